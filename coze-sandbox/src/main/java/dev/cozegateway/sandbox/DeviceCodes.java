package dev.cozegateway.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device codes the sandbox issued (§3.8), their user codes, the user's decisions and every
 * poll. Thread-safe; each code's state changes under its own lock, so a code is redeemed at most
 * once however many polls race.
 *
 * <p>Two clocks, on purpose. Expiry follows the sandbox clock, so a test advances it instead of
 * waiting out the lifetime. Polling intervals are real waiting by the client, so they are measured
 * on the <em>poll clock</em>: the system time plus the sandbox clock's advances. With the default
 * clock on system time that is the sandbox clock itself; with a clock frozen at a fixed instant,
 * polls still get their real spacing (a frozen clock would make every second poll a {@code
 * slow_down}), and advancing the sandbox clock still counts as time passing between polls.
 */
final class DeviceCodes {
  /** How a poll ended; {@link #APPROVED} is the one that redeems the code. */
  enum Poll {
    PENDING,
    SLOW_DOWN,
    DENIED,
    EXPIRED,
    APPROVED,
    USED,
    WRONG_CLIENT,
    UNKNOWN
  }

  /** How a user's decision on a user code ended. */
  enum Decision {
    DECIDED,
    UNKNOWN,
    EXPIRED,
    ALREADY_DECIDED
  }

  /** A pending request as the verification page shows it. */
  record Pending(String userCode, String clientId, String workspaceId) {}

  /** A freshly issued pair of codes. */
  record Issued(String deviceCode, String userCode) {}

  /** Finished codes stay inspectable this long past their expiry, then are swept. */
  private static final Duration RETENTION = Duration.ofHours(1);

  private final SandboxClock clock;
  private final InstantSource wall;
  private final RandomTokens random;
  private final Duration lifetime;
  private final Duration interval;
  private final Map<String, Entry> byDeviceCode = new ConcurrentHashMap<>();
  private final Map<String, Entry> byUserCode = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();

  DeviceCodes(
      SandboxClock clock,
      InstantSource wall,
      RandomTokens random,
      Duration lifetime,
      Duration interval) {
    this.clock = clock;
    this.wall = wall;
    this.random = random;
    this.lifetime = lifetime;
    this.interval = interval;
  }

  Duration lifetime() {
    return lifetime;
  }

  Duration interval() {
    return interval;
  }

  /** The poll clock: system time plus the sandbox clock's advances (see the class comment). */
  Instant pollTime() {
    return wall.instant().plus(clock.offset());
  }

  /** Issues a device code and a unique user code for {@code clientId}. */
  Issued issue(String clientId, String workspaceId) {
    sweep();
    Instant expiresAt = clock.instant().plus(lifetime);
    while (true) {
      String userCode = random.userCode();
      Entry entry =
          new Entry(
              random.deviceCode(),
              userCode,
              clientId,
              workspaceId,
              expiresAt,
              sequence.incrementAndGet());
      if (byUserCode.putIfAbsent(normalize(userCode), entry) == null) {
        byDeviceCode.put(entry.deviceCode, entry);
        return new Issued(entry.deviceCode, userCode);
      }
    }
  }

  /**
   * One token poll with {@code deviceCode} by {@code clientId}. Every poll by the code's own client
   * is recorded; the order of checks is: used, expired, too fast, then the user's decision.
   */
  Poll poll(String deviceCode, String clientId) {
    Entry entry = byDeviceCode.get(deviceCode);
    if (entry == null) {
      return Poll.UNKNOWN;
    }
    if (!entry.clientId.equals(clientId)) {
      // Another app's poll neither counts against the owner's interval nor burns the code.
      return Poll.WRONG_CLIENT;
    }
    return entry.poll(pollTime(), clock.instant(), interval);
  }

  /** The pending request behind {@code userCode} (any case, with or without the hyphen). */
  Optional<Pending> pending(String userCode) {
    Entry entry = byUserCode.get(normalize(userCode));
    if (entry == null) {
      return Optional.empty();
    }
    return entry.pending(clock.instant());
  }

  /** Records the user's approval or denial of the request behind {@code userCode}. */
  Decision decide(String userCode, boolean approve) {
    Entry entry = byUserCode.get(normalize(userCode));
    if (entry == null) {
      return Decision.UNKNOWN;
    }
    return entry.decide(approve, clock.instant());
  }

  /**
   * Makes the next {@code polls} polls with the code behind {@code userCode} answer {@code
   * slow_down} however they are spaced, as Coze does to a client it finds too eager.
   *
   * @return false if no code has this user code
   */
  boolean forceSlowDown(String userCode, int polls) {
    Entry entry = byUserCode.get(normalize(userCode));
    if (entry == null) {
      return false;
    }
    entry.forceSlowDown(polls);
    return true;
  }

  /** Every device code issued (and not yet swept), oldest first. */
  List<DeviceCodeInfo> all() {
    Instant now = clock.instant();
    return byDeviceCode.values().stream()
        .sorted(Comparator.comparingLong(entry -> entry.sequence))
        .map(entry -> entry.info(now))
        .toList();
  }

  /** The code issued as {@code deviceCode}, if any. */
  Optional<DeviceCodeInfo> find(String deviceCode) {
    Entry entry = byDeviceCode.get(deviceCode);
    return entry == null ? Optional.empty() : Optional.of(entry.info(clock.instant()));
  }

  /** Upper case without hyphens or blanks: what a person types is matched leniently. */
  static String normalize(String userCode) {
    return userCode.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
  }

  /** Drops codes long past their expiry, so a long demo does not pile them up. */
  private void sweep() {
    Instant cutoff = clock.instant().minus(RETENTION);
    byDeviceCode
        .values()
        .removeIf(
            entry -> {
              boolean stale = entry.expiresAt.isBefore(cutoff);
              if (stale) {
                byUserCode.remove(normalize(entry.userCode));
              }
              return stale;
            });
  }

  /** One device code; its state is guarded by the entry itself. */
  private static final class Entry {
    private final String deviceCode;
    private final String userCode;
    private final String clientId;
    private final String workspaceId;
    private final Instant expiresAt;
    private final long sequence;
    private final List<Instant> polls = new ArrayList<>(); // guarded by this
    private String state = DeviceCodeInfo.PENDING; // guarded by this
    private int forcedSlowDowns; // guarded by this

    Entry(
        String deviceCode,
        String userCode,
        String clientId,
        String workspaceId,
        Instant expiresAt,
        long sequence) {
      this.deviceCode = deviceCode;
      this.userCode = userCode;
      this.clientId = clientId;
      this.workspaceId = workspaceId;
      this.expiresAt = expiresAt;
      this.sequence = sequence;
    }

    synchronized Poll poll(Instant pollTime, Instant now, Duration interval) {
      Instant previous = polls.isEmpty() ? null : polls.get(polls.size() - 1);
      polls.add(pollTime);
      if (state.equals(DeviceCodeInfo.REDEEMED)) {
        return Poll.USED;
      }
      if (!now.isBefore(expiresAt)) {
        return Poll.EXPIRED;
      }
      if (forcedSlowDowns > 0) {
        forcedSlowDowns--;
        return Poll.SLOW_DOWN;
      }
      // Measured from the previous poll whatever its answer, as RFC 8628 §3.5 counts requests.
      if (previous != null && Duration.between(previous, pollTime).compareTo(interval) < 0) {
        return Poll.SLOW_DOWN;
      }
      return switch (state) {
        case DeviceCodeInfo.APPROVED -> {
          state = DeviceCodeInfo.REDEEMED;
          yield Poll.APPROVED;
        }
        case DeviceCodeInfo.DENIED -> Poll.DENIED;
        default -> Poll.PENDING;
      };
    }

    synchronized void forceSlowDown(int polls) {
      forcedSlowDowns = Math.max(0, polls);
    }

    synchronized Optional<Pending> pending(Instant now) {
      if (!state.equals(DeviceCodeInfo.PENDING) || !now.isBefore(expiresAt)) {
        return Optional.empty();
      }
      return Optional.of(new Pending(userCode, clientId, workspaceId));
    }

    synchronized Decision decide(boolean approve, Instant now) {
      if (!state.equals(DeviceCodeInfo.PENDING)) {
        return Decision.ALREADY_DECIDED;
      }
      if (!now.isBefore(expiresAt)) {
        return Decision.EXPIRED;
      }
      state = approve ? DeviceCodeInfo.APPROVED : DeviceCodeInfo.DENIED;
      return Decision.DECIDED;
    }

    synchronized DeviceCodeInfo info(Instant now) {
      String shown =
          !state.equals(DeviceCodeInfo.REDEEMED) && !now.isBefore(expiresAt)
              ? DeviceCodeInfo.EXPIRED
              : state;
      return new DeviceCodeInfo(
          deviceCode, userCode, clientId, workspaceId, shown, expiresAt, List.copyOf(polls));
    }
  }
}
