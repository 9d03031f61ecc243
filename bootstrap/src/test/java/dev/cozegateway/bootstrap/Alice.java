package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.api.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.StartAuthorizationRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The demo's end user: starts her authorization with the demo web app, and plays her browser
 * through the sandbox's authorize and consent pages (auto-approve on) to the gateway's callback.
 */
final class Alice {
  static final String CONNECTION = SandboxWiring.TENANT + "/connections/alice";

  private static final HttpClient BROWSER =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

  private Alice() {}

  static Authorization startAuthorization(AuthServiceBlockingStub auth) {
    return auth.startAuthorization(
        StartAuthorizationRequest.newBuilder()
            .setParent(SandboxWiring.TENANT)
            .setApp("apps/" + SandboxWiring.WEB_APP)
            .setConnectionId("alice")
            .setSubject("user-alice")
            .build());
  }

  /**
   * Connects another end user's account, as {@link #connect} does hers: connection {@code
   * connectionId} of the tenant, for subject {@code subject-<connectionId>}.
   */
  static void connectAs(AuthServiceBlockingStub auth, String connectionId)
      throws IOException, InterruptedException {
    Authorization pending =
        auth.startAuthorization(
            StartAuthorizationRequest.newBuilder()
                .setParent(SandboxWiring.TENANT)
                .setApp("apps/" + SandboxWiring.WEB_APP)
                .setConnectionId(connectionId)
                .setSubject("subject-" + connectionId)
                .build());
    HttpResponse<String> page = followInBrowser(pending.getAuthorizeUri());
    assertThat(page.body()).as("connecting " + connectionId).contains("Coze account connected");
  }

  /** Follows the authorize URI to the end; returns the last page (the callback's). */
  static HttpResponse<String> followInBrowser(String authorizeUri)
      throws IOException, InterruptedException {
    return BROWSER.send(
        HttpRequest.newBuilder(URI.create(authorizeUri)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Connects her account: start, approve, and check the callback's page says so. */
  static void connect(AuthServiceBlockingStub auth) throws IOException, InterruptedException {
    HttpResponse<String> page = followInBrowser(startAuthorization(auth).getAuthorizeUri());
    assertThat(page.body()).contains("Coze account connected");
  }
}
