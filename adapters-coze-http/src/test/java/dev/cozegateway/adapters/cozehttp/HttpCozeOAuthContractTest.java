package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.contract.CozeOAuthContract;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxApp;
import dev.cozegateway.sandbox.SandboxConfig;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The {@link CozeOAuth} contract, held by the HTTP adapter against the Coze sandbox. */
class HttpCozeOAuthContractTest extends CozeOAuthContract {
  private static final URI CALLBACK = URI.create("http://127.0.0.1:8080/oauth/callback");

  private final HttpClient browser =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private CozeSandbox sandbox;
  private CozeOAuth oauth;

  @BeforeEach
  void startSandbox() {
    sandbox =
        CozeSandbox.start(
            SandboxConfig.defaults()
                .withApps(
                    List.of(
                        SandboxApp.web(
                            TestApps.WEB_CLIENT_ID, TestApps.WEB_SECRET, CALLBACK.toString())))
                .withAutoApprove(true));
    oauth = TestApps.cozeOAuth(CozeHttpConfig.defaults(), OpenTelemetry.noop());
  }

  @AfterEach
  void stopSandbox() {
    sandbox.close();
  }

  @Override
  protected CozeOAuth coze() {
    return oauth;
  }

  @Override
  protected App app() {
    return TestApps.web(sandbox.baseUrl(), TestApps.WEB_CLIENT_ID, TestApps.WEB_SECRET, CALLBACK);
  }

  @Override
  protected Instant now() {
    return sandbox.clock().instant();
  }

  /** Plays the browser through the sandbox's redirects, up to the one to the callback. */
  @Override
  protected String approve(URI authorizeUri) {
    URI next = authorizeUri;
    try {
      for (int hop = 0; hop < 10; hop++) {
        HttpResponse<Void> response =
            browser.send(
                HttpRequest.newBuilder(next).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(302);
        URI location = next.resolve(response.headers().firstValue("Location").orElseThrow());
        if (location.getPath().equals(CALLBACK.getPath())) {
          return query(location).get("code");
        }
        next = location;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    throw new AssertionError("the sandbox never redirected to the callback");
  }
}
