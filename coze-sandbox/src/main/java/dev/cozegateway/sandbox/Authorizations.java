package dev.cozegateway.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Authorize requests waiting for consent, and the authorization codes consent produces. Both are
 * single-use: taking one removes it atomically, so of two racing callers exactly one gets it.
 * Thread-safe.
 */
final class Authorizations {
  /**
   * How long a code, and a pending consent, stays usable. Coze documents neither; §7's safe
   * assumption is ten minutes.
   */
  static final Duration LIFETIME = Duration.ofMinutes(10);

  /**
   * A validated authorize request.
   *
   * @param clientId the app
   * @param redirectUri the registered redirect URI the request named
   * @param state the client's state, echoed back; {@code null} when the request had none (Go omits
   *     an empty one), empty when it was sent empty
   * @param codeChallenge the PKCE challenge, or {@code null}
   * @param codeChallengeMethod {@code plain} or {@code S256}; meaningful only with a challenge
   * @param workspaceId the workspace of the workspace-scoped authorize URL, or {@code null}
   */
  record Request(
      String clientId,
      String redirectUri,
      String state,
      String codeChallenge,
      String codeChallengeMethod,
      String workspaceId) {}

  private record Expiring(Request request, Instant expiresAt) {}

  private final SandboxClock clock;
  private final RandomTokens random;
  private final Map<String, Expiring> pending = new ConcurrentHashMap<>();
  private final Map<String, Expiring> codes = new ConcurrentHashMap<>();
  private final List<String> approvedWorkspaces = new CopyOnWriteArrayList<>();

  Authorizations(SandboxClock clock, RandomTokens random) {
    this.clock = clock;
    this.random = random;
  }

  /** Parks a validated request until the user decides; returns the {@code authorize_key}. */
  String awaitConsent(Request request) {
    sweep(pending);
    String key = random.authorizeKey();
    pending.put(key, expiring(request));
    return key;
  }

  /** The pending request behind {@code authorizeKey}, left in place (showing the page). */
  Optional<Request> pending(String authorizeKey) {
    return live(pending.get(authorizeKey));
  }

  /** Takes the pending request behind {@code authorizeKey} (the user decided). */
  Optional<Request> takePending(String authorizeKey) {
    return live(pending.remove(authorizeKey));
  }

  /** Issues a fresh single-use code for an approved request. */
  String issueCode(Request request) {
    sweep(codes);
    String code = random.code();
    codes.put(code, expiring(request));
    if (request.workspaceId() != null) {
      approvedWorkspaces.add(request.workspaceId());
    }
    return code;
  }

  /** The workspace of every approved workspace-scoped request so far, oldest first. */
  List<String> approvedWorkspaces() {
    return List.copyOf(approvedWorkspaces);
  }

  /**
   * Takes the request behind {@code code}. Any attempt consumes the code, even one that fails a
   * later check, so a wrong PKCE verifier cannot be retried against the same code.
   */
  Optional<Request> redeemCode(String code) {
    return live(codes.remove(code));
  }

  /** Drops expired entries, so abandoned flows in a long demo do not pile up. */
  private void sweep(Map<String, Expiring> entries) {
    Instant now = clock.instant();
    entries.values().removeIf(entry -> !now.isBefore(entry.expiresAt()));
  }

  private Expiring expiring(Request request) {
    return new Expiring(request, clock.instant().plus(LIFETIME));
  }

  private Optional<Request> live(Expiring entry) {
    if (entry == null || !clock.instant().isBefore(entry.expiresAt())) {
      return Optional.empty();
    }
    return Optional.of(entry.request());
  }
}
