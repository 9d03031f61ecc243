package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxApp;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxWorkflow;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's own auto-approving Coze sandbox with one web app and the workflows of {@code
 * CozeWorkflowsContract}, and a way to get a real access token from it (authorize, follow the
 * redirects, exchange the code through the OAuth adapter).
 */
final class WorkflowSandbox implements AfterEachCallback {
  static final URI CALLBACK = URI.create("http://127.0.0.1:8080/oauth/callback");
  static final String ECHO = "7000000000000000001";
  static final String STREAM = "7000000000000000002";
  static final String QUESTION = "7000000000000000003";
  static final String FAIL = "7000000000000000005";
  static final String ENDLESS = "7000000000000000009";

  private static final String VERIFIER = "workflow-sandbox-verifier-0123456789abcdefghijklmnop";

  private final HttpClient browser =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final CozeSandbox sandbox;

  WorkflowSandbox(
      List<String> streamMessages,
      String question,
      String answer,
      int failCode,
      String failMessage) {
    List<SandboxWorkflow> workflows =
        List.of(
            new SandboxWorkflow.Echo(ECHO, "echo"),
            new SandboxWorkflow.Streaming(
                STREAM, "joke", streamMessages, Duration.ofMillis(10), Duration.ZERO),
            new SandboxWorkflow.Question(QUESTION, "capital", question, answer),
            new SandboxWorkflow.Failing(FAIL, "broken", failCode, failMessage),
            new SandboxWorkflow.Streaming(
                ENDLESS,
                "endless",
                Collections.nCopies(600, "tick "),
                Duration.ofMillis(100),
                Duration.ZERO));
    sandbox =
        CozeSandbox.start(
            SandboxConfig.defaults()
                .withApps(
                    List.of(
                        SandboxApp.web(
                            TestApps.WEB_CLIENT_ID, TestApps.WEB_SECRET, CALLBACK.toString())))
                .withWorkflows(workflows)
                .withAutoApprove(true));
  }

  CozeSandbox sandbox() {
    return sandbox;
  }

  App app() {
    return TestApps.web(sandbox.baseUrl(), TestApps.WEB_CLIENT_ID, TestApps.WEB_SECRET, CALLBACK);
  }

  /** A fresh access token for the web app, through the real OAuth code flow. */
  Secret accessToken() {
    CozeOAuth oauth = TestApps.cozeOAuth(CozeHttpConfig.defaults(), OpenTelemetry.noop());
    URI next = oauth.authorizeUri(app(), "state-1", challenge(), "");
    for (int hop = 0; hop < 10; hop++) {
      HttpResponse<String> response = get(next);
      assertThat(response.statusCode()).as("hop to %s", next.getPath()).isEqualTo(302);
      URI location = next.resolve(response.headers().firstValue("Location").orElseThrow());
      if (location.getRawPath().equals(CALLBACK.getRawPath())) {
        String code = SandboxBrowser.query(location).get("code");
        GrantResult result = oauth.exchangeCode(app(), code, Secret.of(VERIFIER));
        assertThat(result).isInstanceOf(GrantResult.Granted.class);
        return ((GrantResult.Granted) result).tokens().accessToken();
      }
      next = location;
    }
    throw new AssertionError("no redirect to the callback");
  }

  @Override
  public void afterEach(ExtensionContext context) {
    sandbox.close();
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

  private static String challenge() {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(VERIFIER.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
