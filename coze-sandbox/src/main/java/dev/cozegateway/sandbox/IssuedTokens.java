package dev.cozegateway.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every access and refresh token the sandbox issued, and the token-endpoint counters. Thread-safe;
 * refresh-token redemption is atomic per token.
 */
final class IssuedTokens {
  /**
   * A token response (§3.3).
   *
   * @param accessToken {@code czu_…}, or {@code czs_…} for a JWT app
   * @param expiresIn the access token's expiry as absolute Unix seconds, not a duration
   * @param refreshToken the new refresh token; {@code null} for a JWT app
   */
  record Issued(String accessToken, long expiresIn, String refreshToken) {}

  /** How a refresh attempt ended. */
  enum Redemption {
    REDEEMED,
    UNKNOWN,
    USED,
    EXPIRED,
    WRONG_CLIENT
  }

  private record AccessToken(String clientId, Instant expiresAt) {}

  private final SandboxClock clock;
  private final RandomTokens random;
  private final Duration accessTokenLifetime;
  private final Duration refreshTokenLifetime;
  private final Map<String, AccessToken> accessTokens = new ConcurrentHashMap<>();
  private final Map<String, RefreshToken> refreshTokens = new ConcurrentHashMap<>();
  private final AtomicLong issueSequence = new AtomicLong();
  private final AtomicLong codeExchanges = new AtomicLong();
  private final AtomicLong refreshRedemptions = new AtomicLong();
  private final AtomicLong refreshRejections = new AtomicLong();

  IssuedTokens(
      SandboxClock clock,
      RandomTokens random,
      Duration accessTokenLifetime,
      Duration refreshTokenLifetime) {
    this.clock = clock;
    this.random = random;
    this.accessTokenLifetime = accessTokenLifetime;
    this.refreshTokenLifetime = refreshTokenLifetime;
  }

  /** Issues the token pair for a successful code exchange. */
  Issued issueForCode(String clientId) {
    codeExchanges.incrementAndGet();
    return issue(clientId);
  }

  /**
   * Redeems {@code refreshToken} for {@code clientId}: exactly once across all threads. On {@link
   * Redemption#REDEEMED} the caller issues the replacement pair with {@link #issueForRefresh}.
   */
  Redemption redeem(String refreshToken, String clientId) {
    RefreshToken entry = refreshTokens.get(refreshToken);
    Redemption outcome =
        entry == null ? Redemption.UNKNOWN : entry.redeem(clientId, clock.instant());
    (outcome == Redemption.REDEEMED ? refreshRedemptions : refreshRejections).incrementAndGet();
    return outcome;
  }

  /**
   * Counts a refresh request that named {@code refreshToken} but failed before redemption (bad
   * client credential, unknown client): it still is an attempt with that token.
   */
  void rejectBeforeRedemption(String refreshToken) {
    RefreshToken entry = refreshTokens.get(refreshToken);
    if (entry != null) {
      entry.attempts.incrementAndGet();
    }
    refreshRejections.incrementAndGet();
  }

  /** Issues the replacement pair after a successful redemption. */
  Issued issueForRefresh(String clientId) {
    return issue(clientId);
  }

  /** Issues the token pair for an approved device code (§3.8): a user token, like a code's. */
  Issued issueForDevice(String clientId) {
    return issue(clientId);
  }

  /**
   * Issues a service token for a verified JWT (§3.7): {@code czs_…}, living {@code lifetime} from
   * now, and no refresh token.
   */
  Issued issueForJwt(String clientId, Duration lifetime) {
    Instant expiry = clock.instant().plus(lifetime);
    String accessToken = random.serviceAccessToken();
    accessTokens.put(accessToken, new AccessToken(clientId, expiry));
    return new Issued(accessToken, expiry.getEpochSecond(), null);
  }

  /** Sets the expiry of every access token that is still valid to now; returns how many. */
  int expireAccessTokens() {
    Instant now = clock.instant();
    AtomicInteger expired = new AtomicInteger();
    accessTokens.replaceAll(
        (token, access) -> {
          if (now.isBefore(access.expiresAt())) {
            expired.incrementAndGet();
            return new AccessToken(access.clientId(), now);
          }
          return access;
        });
    return expired.get();
  }

  /**
   * Whether {@code accessToken} ({@code czu_} or {@code czs_}) was issued here and has not expired
   * (for the business APIs).
   */
  boolean isAccessTokenValid(String accessToken) {
    AccessToken access = accessTokens.get(accessToken);
    return access != null && clock.instant().isBefore(access.expiresAt());
  }

  SandboxStats stats() {
    return new SandboxStats(codeExchanges.get(), refreshRedemptions.get(), refreshRejections.get());
  }

  /** Every refresh token ever issued, oldest first. */
  List<RefreshTokenInfo> refreshTokens() {
    Instant now = clock.instant();
    return refreshTokens.values().stream()
        .sorted(Comparator.comparingLong(RefreshToken::sequence))
        .map(entry -> entry.info(now))
        .toList();
  }

  private Issued issue(String clientId) {
    Instant now = clock.instant();
    Instant accessExpiry = now.plus(accessTokenLifetime);
    String accessToken = random.userAccessToken();
    String refreshToken = random.refreshToken();
    accessTokens.put(accessToken, new AccessToken(clientId, accessExpiry));
    refreshTokens.put(
        refreshToken,
        new RefreshToken(
            refreshToken,
            clientId,
            now.plus(refreshTokenLifetime),
            issueSequence.incrementAndGet()));
    return new Issued(accessToken, accessExpiry.getEpochSecond(), refreshToken);
  }

  /** One refresh token; {@link #redeem} is the single point where rotation is decided. */
  private static final class RefreshToken {
    private final String token;
    private final String clientId;
    private final Instant expiresAt;
    private final long sequence;
    private final AtomicInteger attempts = new AtomicInteger();
    private boolean used; // guarded by this

    RefreshToken(String token, String clientId, Instant expiresAt, long sequence) {
      this.token = token;
      this.clientId = clientId;
      this.expiresAt = expiresAt;
      this.sequence = sequence;
    }

    long sequence() {
      return sequence;
    }

    synchronized Redemption redeem(String requestingClientId, Instant now) {
      attempts.incrementAndGet();
      if (used) {
        return Redemption.USED;
      }
      if (!now.isBefore(expiresAt)) {
        return Redemption.EXPIRED;
      }
      if (!clientId.equals(requestingClientId)) {
        // Another app presenting this token does not burn it for its owner.
        return Redemption.WRONG_CLIENT;
      }
      used = true;
      return Redemption.REDEEMED;
    }

    synchronized RefreshTokenInfo info(Instant now) {
      String state;
      if (used) {
        state = RefreshTokenInfo.USED;
      } else if (now.isBefore(expiresAt)) {
        state = RefreshTokenInfo.ACTIVE;
      } else {
        state = RefreshTokenInfo.EXPIRED;
      }
      return new RefreshTokenInfo(token, clientId, state, attempts.get());
    }
  }
}
