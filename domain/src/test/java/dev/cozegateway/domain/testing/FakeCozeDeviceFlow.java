package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory Coze device flow for use-case tests. Codes live {@link #EXPIRES_IN} by the given
 * clock; polling again sooner than the interval answers {@code slow_down} and adds 5 s to it, as
 * RFC 8628 says; the end user decides with {@link #approve} or {@link #deny}; a granted code is
 * redeemed once. Failures can be injected. Thread-safe.
 */
public final class FakeCozeDeviceFlow implements CozeDeviceFlow {
  /** How long the fake's codes live: Coze's default (§3.8). */
  public static final Duration EXPIRES_IN = Duration.ofSeconds(300);

  /** The fake's least pause between polls: Coze's default (§3.8). */
  public static final Duration INTERVAL = Duration.ofSeconds(5);

  private static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(15);
  private static final Duration SLOW_DOWN_STEP = Duration.ofSeconds(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  private enum Decision {
    PENDING,
    APPROVED,
    DENIED,
    REDEEMED
  }

  /** One device code's state, {@code lastPoll} null before the first; replaced, never mutated. */
  private record Grant(
      String clientId,
      String userCode,
      String workspaceId,
      Instant expiresAt,
      Duration interval,
      Instant lastPoll,
      Decision decision) {
    Grant with(Decision newDecision) {
      return new Grant(clientId, userCode, workspaceId, expiresAt, interval, lastPoll, newDecision);
    }

    Grant polledAt(Instant when, Duration newInterval) {
      return new Grant(clientId, userCode, workspaceId, expiresAt, newInterval, when, decision);
    }
  }

  private final InstantSource clock;
  private final Map<String, Grant> byDeviceCode = new ConcurrentHashMap<>();
  private final Map<String, String> deviceCodeByUserCode = new ConcurrentHashMap<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger polls = new AtomicInteger();
  private volatile boolean unavailable;
  private volatile boolean appRejected;

  public FakeCozeDeviceFlow(InstantSource clock) {
    this.clock = clock;
  }

  @Override
  public DeviceCode requestDeviceCode(App app, String workspaceId) {
    requireDeviceApp(app);
    failIfUnavailable();
    failIfAppRejected(app);
    int n = issued.incrementAndGet();
    String deviceCode = "dc_" + n + "_" + random();
    String userCode = String.format("FAKE-%04d", n);
    Instant now = clock.instant();
    byDeviceCode.put(
        deviceCode,
        new Grant(
            app.clientId(),
            userCode,
            workspaceId == null ? "" : workspaceId,
            now.plus(EXPIRES_IN),
            INTERVAL,
            null,
            Decision.PENDING));
    deviceCodeByUserCode.put(userCode, deviceCode);
    return new DeviceCode(
        Secret.of(deviceCode),
        userCode,
        URI.create(app.region().wwwBase() + "/device"),
        EXPIRES_IN,
        INTERVAL,
        "logid-device-code");
  }

  @Override
  public DevicePoll pollDeviceToken(App app, Secret deviceCode) {
    requireDeviceApp(app);
    polls.incrementAndGet();
    failIfUnavailable();
    failIfAppRejected(app);
    String logId = "logid-poll";
    Instant now = clock.instant();
    Grant grant = byDeviceCode.get(deviceCode.reveal());
    if (grant == null || !grant.clientId().equals(app.clientId())) {
      return new DevicePoll.Rejected("invalid_grant", "unknown device code", logId);
    }
    if (grant.decision() == Decision.REDEEMED) {
      return new DevicePoll.Rejected("invalid_grant", "device code already redeemed", logId);
    }
    if (!now.isBefore(grant.expiresAt())) {
      return new DevicePoll.Expired(logId);
    }
    if (grant.lastPoll() != null && now.isBefore(grant.lastPoll().plus(grant.interval()))) {
      byDeviceCode.put(
          deviceCode.reveal(), grant.polledAt(now, grant.interval().plus(SLOW_DOWN_STEP)));
      return new DevicePoll.SlowDown(logId);
    }
    byDeviceCode.put(deviceCode.reveal(), grant.polledAt(now, grant.interval()));
    return switch (grant.decision()) {
      case APPROVED -> {
        byDeviceCode.put(deviceCode.reveal(), grant.with(Decision.REDEEMED));
        yield new DevicePoll.Granted(issueTokens(now), logId);
      }
      case DENIED -> new DevicePoll.Denied(logId);
      default -> new DevicePoll.Pending(logId);
    };
  }

  /** The end user approves {@code userCode} at Coze; false if no such code is pending. */
  public boolean approve(String userCode) {
    return decide(userCode, Decision.APPROVED);
  }

  /** The end user refuses {@code userCode} at Coze; false if no such code is pending. */
  public boolean deny(String userCode) {
    return decide(userCode, Decision.DENIED);
  }

  /** The workspace a user code was requested for (empty for none), if the code exists. */
  public Optional<String> workspaceOf(String userCode) {
    return Optional.ofNullable(deviceCodeByUserCode.get(userCode))
        .map(byDeviceCode::get)
        .map(Grant::workspaceId);
  }

  /** Polls received, whatever they answered. */
  public int polls() {
    return polls.get();
  }

  /** Makes every call throw Unavailable, as an unreachable Coze would. */
  public void setUnavailable(boolean unavailable) {
    this.unavailable = unavailable;
  }

  /** Makes Coze refuse the app itself ({@code invalid_client}), as in the wrong region. */
  public void setAppRejected(boolean appRejected) {
    this.appRejected = appRejected;
  }

  private boolean decide(String userCode, Decision decision) {
    String deviceCode = deviceCodeByUserCode.get(userCode);
    if (deviceCode == null) {
      return false;
    }
    Grant after =
        byDeviceCode.computeIfPresent(
            deviceCode,
            (code, grant) -> grant.decision() == Decision.PENDING ? grant.with(decision) : grant);
    return after != null && after.decision() == decision;
  }

  private TokenSet issueTokens(Instant now) {
    int n = issued.incrementAndGet();
    return new TokenSet(
        Secret.of("czu_device_" + n),
        now.plus(ACCESS_TOKEN_LIFETIME),
        Secret.of("rt_device_" + n + "_" + random()));
  }

  private void failIfUnavailable() {
    if (unavailable) {
      throw new GatewayException.Unavailable(
          Reason.COZE_UNAVAILABLE, "Coze is unavailable (fake)", Map.of(), null);
    }
  }

  private void failIfAppRejected(App app) {
    if (appRejected) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_MISCONFIGURED,
          "Coze refused app "
              + app.id()
              + " at Coze region "
              + app.region().label()
              + " (API host "
              + app.region().apiHost()
              + ") (invalid_client) (fake)",
          Map.of(GatewayException.COZE_ERROR_CODE, "invalid_client"));
    }
  }

  private static void requireDeviceApp(App app) {
    if (app.type() != AppType.DEVICE) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          "app " + app.id() + " is a " + app.type() + " app; only DEVICE apps use this flow",
          Map.of());
    }
  }

  private static String random() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
