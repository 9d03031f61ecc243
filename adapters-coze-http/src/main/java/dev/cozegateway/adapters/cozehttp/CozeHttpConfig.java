package dev.cozegateway.adapters.cozehttp;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings for the HTTP calls to Coze's OAuth endpoints.
 *
 * @param connectTimeout how long to wait for a TCP/TLS connection to Coze; short, because an
 *     unreachable Coze should fail fast
 * @param requestTimeout how long to wait for Coze to answer a token request once it is sent
 */
public record CozeHttpConfig(Duration connectTimeout, Duration requestTimeout) {
  /** The official SDKs all connect with 5 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Token requests are small; the Java SDK gives OAuth calls 50 s, which holds a caller too long.
   */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);

  /** Above this a timeout is a typo (minutes for seconds), not a choice. */
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  public CozeHttpConfig {
    requireSane("connectTimeout", connectTimeout);
    requireSane("requestTimeout", requestTimeout);
  }

  /** 5 s to connect, 15 s for the answer. */
  public static CozeHttpConfig defaults() {
    return new CozeHttpConfig(DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
  }

  private static void requireSane(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          name + " must be positive and at most " + MAX_TIMEOUT + ", got " + value);
    }
  }
}
