package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxApp;
import dev.cozegateway.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A test's own auto-approving Coze sandbox, and a browser that follows its redirects. */
final class SandboxBrowser implements AfterEachCallback {
  /** The gateway's callback; the browser stops at the redirect there and never calls it. */
  static final URI CALLBACK = URI.create("http://127.0.0.1:8080/oauth/callback");

  private static final int MAX_HOPS = 10;

  private final HttpClient browser =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final CozeSandbox sandbox;

  /** Starts a sandbox with these apps that approves every consent by itself. */
  SandboxBrowser(SandboxApp... apps) {
    sandbox =
        CozeSandbox.start(SandboxConfig.defaults().withApps(List.of(apps)).withAutoApprove(true));
  }

  CozeSandbox sandbox() {
    return sandbox;
  }

  /** Follows redirects from {@code authorizeUri} up to {@code redirectUri}; returns that query. */
  Map<String, String> followToRedirectUri(URI authorizeUri, URI redirectUri) {
    URI next = authorizeUri;
    for (int hop = 0; hop < MAX_HOPS; hop++) {
      HttpResponse<String> response = get(next);
      assertThat(response.statusCode())
          .as("hop %d to %s answered %s", hop, next.getPath(), response.body())
          .isEqualTo(302);
      URI location = next.resolve(response.headers().firstValue("Location").orElseThrow());
      if (sameEndpoint(location, redirectUri)) {
        return query(location);
      }
      next = location;
    }
    throw new AssertionError("no redirect to " + redirectUri + " within " + MAX_HOPS + " hops");
  }

  @Override
  public void afterEach(ExtensionContext context) {
    sandbox.close();
  }

  /** The decoded query parameters of a URI, in order; a name without {@code =} maps to "". */
  static Map<String, String> query(URI uri) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      String[] parts = pair.split("=", 2);
      params.put(
          URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
          parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
    }
    return params;
  }

  private HttpResponse<String> get(URI uri) {
    try {
      return browser.send(
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean sameEndpoint(URI a, URI b) {
    return a.getScheme().equals(b.getScheme())
        && a.getRawAuthority().equals(b.getRawAuthority())
        && a.getRawPath().equals(b.getRawPath());
  }
}
