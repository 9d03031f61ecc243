package dev.cozegateway.adapters.cozehttp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeServiceTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CozeServiceTokens} over Coze's JWT bearer grant (Coze API reference §3.7, §3.9): signs a
 * fresh RS256 JWT per exchange and sends it once.
 *
 * <p>Each app's private key is parsed once and cached; a changed PEM is parsed again. Thread-safe:
 * a shared {@link HttpClient}, immutable settings and a concurrent key cache. The key, the JWT and
 * the access token never reach a log line or an exception.
 */
final class HttpCozeServiceTokens implements CozeServiceTokens {
  static final String JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

  /**
   * The JWT's own lifetime. It is sent at once and never again, so it needs only to outlast clock
   * skew between us and Coze; Coze's limit is an hour (§7), and the token's lifetime is {@code
   * duration_seconds}, not this.
   */
  static final Duration JWT_LIFETIME = Duration.ofMinutes(10);

  /** Random bytes in a {@code jti}: §3.7 recommends over 32. */
  private static final int JTI_BYTES = 32;

  private static final Logger log = LoggerFactory.getLogger(HttpCozeServiceTokens.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final OAuthEndpoints endpoints;
  private final InstantSource clock;
  private final Map<AppId, ParsedKey> keys = new ConcurrentHashMap<>();

  /** A PEM and the key parsed from it, so that a changed PEM is noticed. */
  private record ParsedKey(Secret pem, RSAPrivateKey key) {}

  /**
   * @param http the client to send with; it owns the connect timeout and must not follow redirects
   * @param requestTimeout how long to wait for Coze's answer to one token request
   * @param clock the time for {@code iat} and {@code exp}
   */
  HttpCozeServiceTokens(HttpClient http, Duration requestTimeout, InstantSource clock) {
    this.endpoints = new OAuthEndpoints(http, requestTimeout, log);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public TokenSet exchange(App app, Request request) {
    Objects.requireNonNull(request, "request");
    requireSigningApp(app);
    String jwt = sign(app, request.sessionName());
    ObjectNode body =
        OAuthEndpoints.object()
            .put("grant_type", JWT_GRANT)
            .put("duration_seconds", request.duration().toSeconds());
    URI endpoint = OAuthEndpoints.endpoint(app, path(request));

    OAuthEndpoints.Reply reply =
        endpoints.post(endpoint, "token request grant_type=jwt-bearer", body, jwt);
    OAuthEndpoints.Verdict verdict = OAuthEndpoints.judge(reply, List.of(jwt), Set.of());
    if (verdict instanceof OAuthEndpoints.Verdict.Success success) {
      return endpoints.tokens(success.json(), reply.logId(), false);
    }
    OAuthEndpoints.Verdict.Refusal refusal = (OAuthEndpoints.Verdict.Refusal) verdict;
    // No refusal here is the end user's doing: the JWT is fresh, so Coze judged the app, its key or
    // the request the configuration made (§5.1: most often an app or key of the other region).
    throw new GatewayException.FailedPrecondition(
        Reason.APP_MISCONFIGURED, refused(app, request, refusal), refusal.metadata());
  }

  /** {@code header.claims.signature}, all unpadded base64url (RFC 7515). */
  String sign(App app, String sessionName) {
    long iat = clock.instant().getEpochSecond();
    ObjectNode header =
        OAuthEndpoints.object().put("alg", "RS256").put("typ", "JWT").put("kid", app.keyId());
    ObjectNode claims =
        OAuthEndpoints.object()
            .put("iss", app.clientId())
            .put("aud", OAuthEndpoints.apiHost(app))
            .put("iat", iat)
            .put("exp", iat + JWT_LIFETIME.toSeconds())
            .put("jti", jti());
    if (!sessionName.isEmpty()) {
      claims.put("session_name", sessionName);
    }
    String signingInput = base64url(header.toString()) + "." + base64url(claims.toString());
    try {
      Signature signer = Signature.getInstance("SHA256withRSA");
      signer.initSign(key(app));
      signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + BASE64URL.encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      // The key signed a probe when it was parsed, so this is no configuration problem.
      throw new GatewayException.Internal(
          Reason.APP_MISCONFIGURED,
          "app " + app.id() + ": signing the JWT failed (" + e.getClass().getSimpleName() + ")",
          null);
    }
  }

  private RSAPrivateKey key(App app) {
    ParsedKey cached = keys.get(app.id());
    if (cached != null && cached.pem().equals(app.privateKey())) {
      return cached.key();
    }
    try {
      return keys.compute(
              app.id(),
              (id, old) ->
                  old != null && old.pem().equals(app.privateKey())
                      ? old
                      : new ParsedKey(
                          app.privateKey(),
                          JwtKeys.parse(app.privateKey(), "app " + id + "'s private key")))
          .key();
    } catch (IllegalArgumentException e) {
      // JwtKeys' messages name what is wrong and never the key itself.
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED, e.getMessage(), Map.of());
    }
  }

  private static String path(Request request) {
    if (!request.accountId().isEmpty()) {
      return OAuthEndpoints.OAUTH_PATH
          + "/account/"
          + OAuthEndpoints.segment(request.accountId())
          + "/token";
    }
    if (!request.enterpriseId().isEmpty()) {
      return OAuthEndpoints.OAUTH_PATH
          + "/enterprise_id/"
          + OAuthEndpoints.segment(request.enterpriseId())
          + "/token";
    }
    return OAuthEndpoints.TOKEN_PATH;
  }

  private static String refused(App app, Request request, OAuthEndpoints.Verdict.Refusal refusal) {
    String code = refusal.errorCode();
    String scope =
        !request.accountId().isEmpty()
            ? " for account " + request.accountId()
            : !request.enterpriseId().isEmpty() ? " for enterprise " + request.enterpriseId() : "";
    String hint =
        code.equals("invalid_client") || code.equals("access_deny")
            ? "; check that the app is registered in that region (not coze.com for a coze.cn app or"
                + " the other way round), that its key id "
                + app.keyId()
                + " is the public key id registered there, and that the app is enabled"
            : "; check the app's configuration";
    return "Coze refused the JWT of app "
        + app.id()
        + scope
        + " at "
        + OAuthEndpoints.where(app)
        + " ("
        + code
        + ": "
        + refusal.message()
        + ")"
        + hint;
  }

  private static void requireSigningApp(App app) {
    if (app.type() != AppType.JWT) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a " + app.type() + " app; only JWT apps sign JWTs",
          Map.of());
    }
    if (!app.canSignJwts()) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED,
          "app " + app.id() + " has no private key or key id to sign JWTs with",
          Map.of());
    }
  }

  private static String jti() {
    byte[] bytes = new byte[JTI_BYTES];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static String base64url(String json) {
    return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
