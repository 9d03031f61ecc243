package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.CozeDeviceFlow.DevicePoll;
import dev.cozegateway.domain.port.SecretVault;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Polls Coze for the device authorizations that are due, in every replica at once: each poll is
 * claimed first by compare-and-set on the authorization (its next poll time moves forward by {@link
 * #CLAIM}), so one replica polls it, and one that dies mid-poll leaves it to another once the claim
 * runs out. Polls honour Coze's {@code interval}, adding 5 s at each {@code slow_down}; {@code
 * access_denied} ends the authorization DENIED, {@code expired_token} or the codes' own lifetime
 * EXPIRED, and approval creates the connection and ends it COMPLETED. A cancelled authorization is
 * not PENDING, so it is polled no more.
 */
public final class DevicePollSweep {
  /** How long a claimed poll is reserved for the replica that claimed it. */
  static final Duration CLAIM = Duration.ofSeconds(30);

  /** Authorizations handled per pass. */
  static final int BATCH = 100;

  private static final System.Logger log = System.getLogger(DevicePollSweep.class.getName());

  /**
   * What one pass did.
   *
   * @param polled polls sent to Coze
   * @param completed authorizations approved (their connection created)
   * @param ended authorizations that ended otherwise (denied, expired, failed)
   */
  public record Report(int polled, int completed, int ended) {}

  private final AppDirectory apps;
  private final AuthorizationStore store;
  private final SecretVault vault;
  private final CozeDeviceFlow coze;
  private final ConnectionGrants grants;
  private final InstantSource clock;

  DevicePollSweep(
      AppDirectory apps,
      AuthorizationStore store,
      SecretVault vault,
      CozeDeviceFlow coze,
      ConnectionGrants grants,
      InstantSource clock) {
    this.apps = apps;
    this.store = store;
    this.vault = vault;
    this.coze = coze;
    this.grants = grants;
    this.clock = clock;
  }

  public Report execute() {
    int polled = 0;
    int completed = 0;
    int ended = 0;
    for (Authorization due : store.findDuePolls(clock.instant(), BATCH)) {
      Instant now = clock.instant();
      try {
        if (!now.isBefore(due.expireTime())) {
          ended += finish(due, AuthorizationState.EXPIRED, null) ? 1 : 0;
          continue;
        }
        Authorization claimed = due.withDevice(due.device().claimedUntil(now.plus(CLAIM)));
        if (!store.replaceIfVersion(claimed, due.version())) {
          continue; // another replica claimed it, or it was cancelled
        }
        polled++;
        AuthorizationState outcome = poll(claimed);
        if (outcome == AuthorizationState.COMPLETED) {
          completed++;
        } else if (outcome != AuthorizationState.PENDING) {
          ended++;
        }
      } catch (GatewayException.Unavailable e) {
        log.log(Level.WARNING, "device poll of {0} skipped: {1}", due.name(), e.getMessage());
      }
    }
    return new Report(polled, completed, ended);
  }

  /** Polls Coze once for a claimed authorization and records the outcome; returns its state. */
  private AuthorizationState poll(Authorization claimed) {
    App app = apps.require(claimed.app());
    Secret deviceCode =
        SecretCodec.decodeDeviceCode(
            vault.open(claimed.secrets(), Authorization.secretsContext(claimed.name())));
    DevicePoll result;
    try {
      result = coze.pollDeviceToken(app, deviceCode);
    } catch (GatewayException.Unavailable e) {
      return reschedule(claimed, false);
    } catch (GatewayException.FailedPrecondition e) {
      finish(
          claimed,
          AuthorizationState.FAILED,
          new AuthorizationError(
              e.reason().name(),
              e.getMessage(),
              e.metadata().getOrDefault(GatewayException.COZE_LOGID, "")));
      return AuthorizationState.FAILED;
    }
    if (result instanceof DevicePoll.Pending) {
      return reschedule(claimed, false);
    }
    if (result instanceof DevicePoll.SlowDown) {
      return reschedule(claimed, true);
    }
    if (result instanceof DevicePoll.Denied denied) {
      finish(
          claimed,
          AuthorizationState.DENIED,
          new AuthorizationError(
              Reason.AUTHORIZATION_DENIED.name(),
              "the end user denied the device authorization at Coze",
              denied.logId()));
      return AuthorizationState.DENIED;
    }
    if (result instanceof DevicePoll.Expired) {
      finish(claimed, AuthorizationState.EXPIRED, null);
      return AuthorizationState.EXPIRED;
    }
    if (result instanceof DevicePoll.Rejected rejected) {
      finish(
          claimed,
          AuthorizationState.FAILED,
          new AuthorizationError(
              Reason.CODE_EXCHANGE_FAILED.name(),
              "Coze rejected the device code (" + rejected.errorCode() + ")",
              rejected.logId()));
      return AuthorizationState.FAILED;
    }
    DevicePoll.Granted granted = (DevicePoll.Granted) result;
    // Coze has redeemed the device code, which works once: store the connection before marking
    // the authorization, and if that fails the end user must start again.
    try {
      grants.store(claimed, app, granted.tokens(), clock.instant());
    } catch (GatewayException.Unavailable e) {
      finish(
          claimed,
          AuthorizationState.FAILED,
          new AuthorizationError(
              Reason.STORE_UNAVAILABLE.name(),
              "the connection could not be stored; start a new authorization",
              granted.logId()));
      return AuthorizationState.FAILED;
    }
    finish(claimed, AuthorizationState.COMPLETED, null);
    log.log(
        Level.INFO,
        "device authorization {0} approved: connection {1} created",
        claimed.name(),
        claimed.connection());
    return AuthorizationState.COMPLETED;
  }

  private AuthorizationState reschedule(Authorization claimed, boolean slowDown) {
    Instant now = clock.instant();
    Authorization next =
        claimed.withDevice(
            slowDown
                ? claimed.device().slowedDown(now)
                : claimed.device().polledUntil(now.plus(claimed.device().interval())));
    store.replaceIfVersion(next, claimed.version());
    return AuthorizationState.PENDING;
  }

  private boolean finish(
      Authorization authorization, AuthorizationState state, AuthorizationError error) {
    return store.replaceIfVersion(authorization.finished(state, error), authorization.version());
  }
}
