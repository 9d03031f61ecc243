package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeOAuth;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-memory Coze for use-case tests: codes are issued by {@link #approve}, refresh tokens rotate
 * and are single-use, and failures can be injected. Thread-safe.
 */
public final class FakeCozeOAuth implements CozeOAuth {
  private static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(15);

  private final InstantSource clock;
  private final Map<String, String> challengeByCode = new ConcurrentHashMap<>();
  private final Set<String> liveRefreshTokens = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refreshCalls = new AtomicInteger();
  private final AtomicInteger successfulRefreshes = new AtomicInteger();
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicReference<CountDownLatch> refreshGate = new AtomicReference<>();
  private volatile boolean unavailable;

  public FakeCozeOAuth(InstantSource clock) {
    this.clock = clock;
  }

  @Override
  public URI authorizeUri(App app, String state, String codeChallenge, String workspaceId) {
    String path =
        workspaceId.isEmpty()
            ? "/api/permission/oauth2/authorize"
            : "/api/permission/oauth2/workspace_id/" + enc(workspaceId) + "/authorize";
    return URI.create(
        app.region().wwwBase()
            + path
            + "?response_type=code&client_id="
            + enc(app.clientId())
            + "&redirect_uri="
            + enc(app.redirectUri().toString())
            + "&state="
            + enc(state)
            + "&code_challenge="
            + enc(codeChallenge)
            + "&code_challenge_method=S256");
  }

  /** The end user approves at Coze: returns the code Coze would send to the redirect URI. */
  public String approve(String codeChallenge) {
    String code = "code_" + issued.incrementAndGet();
    challengeByCode.put(code, codeChallenge);
    return code;
  }

  @Override
  public GrantResult exchangeCode(App app, String code, Secret codeVerifier) {
    failIfUnavailable();
    String challenge = challengeByCode.remove(code);
    if (challenge == null || !challenge.equals(s256(codeVerifier.reveal()))) {
      return new GrantResult.Rejected("invalid_grant", "invalid code", "logid-exchange");
    }
    return new GrantResult.Granted(issueTokens(), "logid-exchange");
  }

  @Override
  public GrantResult refresh(App app, Secret refreshToken) {
    refreshCalls.incrementAndGet();
    CountDownLatch gate = refreshGate.get();
    if (gate != null) {
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    failIfUnavailable();
    if (!liveRefreshTokens.remove(refreshToken.reveal())) {
      return new GrantResult.Rejected("invalid_grant", "refresh token invalid", "logid-refresh");
    }
    successfulRefreshes.incrementAndGet();
    return new GrantResult.Granted(issueTokens(), "logid-refresh");
  }

  /** Makes refreshes wait until {@link #openRefreshGate()}, to hold callers in flight. */
  public void holdRefreshes() {
    refreshGate.set(new CountDownLatch(1));
  }

  public void openRefreshGate() {
    CountDownLatch gate = refreshGate.getAndSet(null);
    if (gate != null) {
      gate.countDown();
    }
  }

  /** Kills every refresh token, as if another party had redeemed them all. */
  public void revokeAllRefreshTokens() {
    liveRefreshTokens.clear();
  }

  public void setUnavailable(boolean unavailable) {
    this.unavailable = unavailable;
  }

  /** Refresh calls received, successful or not. */
  public int refreshCalls() {
    return refreshCalls.get();
  }

  public int successfulRefreshes() {
    return successfulRefreshes.get();
  }

  public boolean isLive(String refreshToken) {
    return liveRefreshTokens.contains(refreshToken);
  }

  private TokenSet issueTokens() {
    int n = issued.incrementAndGet();
    String refresh = "rt_" + n + "_" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    liveRefreshTokens.add(refresh);
    return new TokenSet(
        Secret.of("czu_access_" + n),
        clock.instant().plus(ACCESS_TOKEN_LIFETIME),
        Secret.of(refresh));
  }

  private void failIfUnavailable() {
    if (unavailable) {
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "Coze is unavailable (fake)", Map.of(), null);
    }
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** Unpadded base64url SHA-256, as PKCE's S256 defines it. */
  public static String s256(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
