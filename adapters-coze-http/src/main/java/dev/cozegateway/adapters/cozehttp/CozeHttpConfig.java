package dev.cozegateway.adapters.cozehttp;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings for the HTTP calls to Coze (OAuth and workflow endpoints).
 *
 * @param connectTimeout how long to wait for a TCP/TLS connection to Coze; short, because an
 *     unreachable Coze should fail fast
 * @param requestTimeout how long to wait for Coze to answer a quick call once it is sent: token
 *     requests, async run starts, run-history queries
 * @param runTimeout how long to wait for a synchronous workflow run or non-stream resume to answer;
 *     above Coze's own 90 s cut-off (§5), so Coze's answer, not ours, ends a long run
 * @param streamIdleTimeout how long a workflow stream may stay silent (no event, not even a {@code
 *     PING}) before it is given up; also the wait for the stream's response headers. Not a total: a
 *     stream that keeps sending may run as long as the workflow does
 */
public record CozeHttpConfig(
    Duration connectTimeout,
    Duration requestTimeout,
    Duration runTimeout,
    Duration streamIdleTimeout) {
  /** The official SDKs all connect with 5 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Token requests are small; the Java SDK gives OAuth calls 50 s, which holds a caller too long.
   */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);

  /** Coze cuts a sync run after 90 s without a response (§5); leave room for its answer. */
  public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofSeconds(120);

  /**
   * Coze's {@code PING} interval is undocumented; a node may stay silent as long as Coze lets a
   * sync run take (90 s), so give a stream a little more before calling it dead.
   */
  public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(100);

  /** Above this a timeout is a typo (minutes for seconds), not a choice. */
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  public CozeHttpConfig {
    requireSane("connectTimeout", connectTimeout);
    requireSane("requestTimeout", requestTimeout);
    requireSane("runTimeout", runTimeout);
    requireSane("streamIdleTimeout", streamIdleTimeout);
  }

  /** The given connect and request timeouts, with the default run and stream idle timeouts. */
  public CozeHttpConfig(Duration connectTimeout, Duration requestTimeout) {
    this(connectTimeout, requestTimeout, DEFAULT_RUN_TIMEOUT, DEFAULT_STREAM_IDLE_TIMEOUT);
  }

  /** 5 s to connect, 15 s for a quick answer, 120 s for a sync run, 100 s of stream silence. */
  public static CozeHttpConfig defaults() {
    return new CozeHttpConfig(DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
  }

  /** This config with another sync-run timeout. */
  public CozeHttpConfig withRunTimeout(Duration timeout) {
    return new CozeHttpConfig(connectTimeout, requestTimeout, timeout, streamIdleTimeout);
  }

  /** This config with another stream idle timeout. */
  public CozeHttpConfig withStreamIdleTimeout(Duration timeout) {
    return new CozeHttpConfig(connectTimeout, requestTimeout, runTimeout, timeout);
  }

  private static void requireSane(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          name + " must be positive and at most " + MAX_TIMEOUT + ", got " + value);
    }
  }
}
