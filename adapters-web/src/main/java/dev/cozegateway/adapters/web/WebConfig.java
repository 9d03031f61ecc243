package dev.cozegateway.adapters.web;

/**
 * Where the browser-facing HTTP server listens.
 *
 * @param host the bind address
 * @param port the port; 0 picks any free port
 */
public record WebConfig(String host, int port) {
  public WebConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("http.host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http.port must be 0-65535, got " + port);
    }
  }
}
