package dev.cozegateway.adapters.grpc;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the gRPC server listens and how long it drains on shutdown.
 *
 * @param host the bind address; the default, {@code 127.0.0.1}, serves this host only, because
 *     callers are not authenticated yet: expose it only behind an authenticating proxy
 * @param port the port, 0-65535; 0 picks any free port
 * @param drainTimeout how long shutdown waits for in-flight calls before cancelling them; keep it
 *     below the orchestrator's grace period (Kubernetes: 30 s)
 */
public record GrpcConfig(String host, int port, Duration drainTimeout) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 9090;
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(25);

  /** Above this a drain timeout is a typo (minutes for seconds), not a choice. */
  private static final Duration MAX_DRAIN_TIMEOUT = Duration.ofMinutes(10);

  public GrpcConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("grpc.host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "grpc.port must be 0-65535 (0 picks a free port), got " + port);
    }
    Objects.requireNonNull(drainTimeout, "grpc.drain-timeout");
    if (drainTimeout.isNegative() || drainTimeout.compareTo(MAX_DRAIN_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "grpc.drain-timeout must be between 0 and "
              + MAX_DRAIN_TIMEOUT
              + ", got "
              + drainTimeout);
    }
  }

  /** {@code 127.0.0.1:9090}, draining for 25 s. */
  public static GrpcConfig defaults() {
    return new GrpcConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_DRAIN_TIMEOUT);
  }
}
