package dev.cozegateway.adapters.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.application.AuthorizationDetails;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.application.StartAuthorization;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.testing.FakeCozeOAuth;
import dev.cozegateway.domain.testing.FakeSecretVault;
import dev.cozegateway.domain.testing.InMemoryAuthorizationStore;
import dev.cozegateway.domain.testing.InMemoryConnectionStore;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import dev.cozegateway.domain.testing.MutableClock;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebServerTest {
  private static final TenantId TENANT = new TenantId("acme");
  private static final AppId APP = new AppId("web");
  private static final URI RETURN_URI = URI.create("https://app.example.com/done?from=coze");

  private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  private final FakeCozeOAuth coze = new FakeCozeOAuth(clock);
  private final InMemoryConnectionStore connections = new InMemoryConnectionStore();
  private final InMemoryAuthorizationStore authorizations = new InMemoryAuthorizationStore();
  private final FakeSecretVault vault = new FakeSecretVault();
  private final AuthUseCases useCases =
      new AuthUseCases(
          new AppDirectory(
              List.of(
                  new App(
                      APP,
                      AppType.WEB,
                      CozeRegion.COZE_COM,
                      "12345678901234567890123456789012.app.coze",
                      Secret.of("s3cret"),
                      "env:X",
                      URI.create("http://127.0.0.1/oauth/callback"),
                      Set.of(RETURN_URI)))),
          connections,
          authorizations,
          vault,
          coze,
          new InMemoryRefreshLeases(clock),
          GetAccessToken.DEFAULT_LEASE_TTL,
          clock,
          new SecureRandom());
  private final HttpClient http = HttpClient.newHttpClient();
  private WebServer server;

  @BeforeEach
  void start() {
    server = new WebServer(new WebConfig("127.0.0.1", 0), useCases.completeAuthorization());
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private AuthorizationDetails startAuthorization(URI returnUri) {
    return useCases
        .startAuthorization()
        .execute(
            new StartAuthorization.Command(
                TENANT, APP, new ConnectionName(TENANT, "alice"), "user-1", returnUri, "", ""));
  }

  private static String param(URI uri, String name) {
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals(name)) {
        return URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError(name);
  }

  private HttpResponse<String> callback(String query) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/oauth/callback?" + query))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Test
  void anApprovedCallbackConnectsTheUserAndShowsNoToken() throws Exception {
    AuthorizationDetails details = startAuthorization(null);
    String state = param(details.authorizeUri(), "state");
    String code = coze.approve(param(details.authorizeUri(), "code_challenge"));

    HttpResponse<String> page = callback("code=" + enc(code) + "&state=" + enc(state));

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Coze account connected");
    Connection connection = connections.find(new ConnectionName(TENANT, "alice")).orElseThrow();
    String accessToken =
        useCases
            .getAccessToken()
            .execute(
                new dev.cozegateway.application.GetAccessToken.Command(connection.name(), null))
            .token()
            .reveal();
    assertThat(page.body()).doesNotContain(accessToken).doesNotContain(code).doesNotContain(state);
    assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
  }

  @Test
  void withAReturnUriTheBrowserIsRedirectedWithTheOutcome() throws Exception {
    AuthorizationDetails details = startAuthorization(RETURN_URI);
    String state = param(details.authorizeUri(), "state");
    String code = coze.approve(param(details.authorizeUri(), "code_challenge"));

    HttpResponse<String> response = callback("code=" + enc(code) + "&state=" + enc(state));

    assertThat(response.statusCode()).isEqualTo(302);
    URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
    assertThat(location.toString()).startsWith(RETURN_URI + "&");
    assertThat(param(location, "result")).isEqualTo("completed");
    assertThat(param(location, "authorization")).isEqualTo(details.authorization().name().name());
    assertThat(location.toString()).doesNotContain(code);
  }

  @Test
  void aReplayedStateIsRefusedAndChangesNothing() throws Exception {
    AuthorizationDetails details = startAuthorization(null);
    String state = param(details.authorizeUri(), "state");
    String code = coze.approve(param(details.authorizeUri(), "code_challenge"));
    assertThat(callback("code=" + enc(code) + "&state=" + enc(state)).statusCode()).isEqualTo(200);
    Connection before = connections.find(new ConnectionName(TENANT, "alice")).orElseThrow();

    HttpResponse<String> replay = callback("code=" + enc(code) + "&state=" + enc(state));

    assertThat(replay.statusCode()).isEqualTo(400);
    assertThat(replay.body()).contains("unknown, expired or already used");
    assertThat(connections.find(before.name())).contains(before);
  }

  @Test
  void aDeniedCallbackShowsTheRefusal() throws Exception {
    AuthorizationDetails details = startAuthorization(null);
    String state = param(details.authorizeUri(), "state");

    HttpResponse<String> page =
        callback("error=access_denied&error_description=no&state=" + enc(state));

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("declined").contains("access_denied");
    assertThat(authorizations.find(details.authorization().name()).orElseThrow().state())
        .isEqualTo(AuthorizationState.DENIED);
  }

  @Test
  void missingParametersAreABadRequestWithAnEscapedMessage() throws Exception {
    HttpResponse<String> page = callback("state=%3Cscript%3E");
    assertThat(page.statusCode()).isEqualTo(400);
    assertThat(page.body()).doesNotContain("<script>");
  }

  @Test
  void aFailedExchangeStillSendsTheBrowserBackWithTheOutcome() throws Exception {
    AuthorizationDetails details = startAuthorization(RETURN_URI);
    String state = param(details.authorizeUri(), "state");

    HttpResponse<String> response = callback("code=code_forged&state=" + enc(state));

    assertThat(response.statusCode()).isEqualTo(302);
    URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
    assertThat(param(location, "result")).isEqualTo("failed");
    assertThat(authorizations.find(details.authorization().name()).orElseThrow().state())
        .isEqualTo(AuthorizationState.FAILED);
  }

  @Test
  void aMalformedEscapeIsABadRequest() throws Exception {
    // java.net.URI refuses to build this link, so it goes over a plain socket, as a browser's
    // would.
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket
          .getOutputStream()
          .write(
              ("GET /oauth/callback?state=%zz&code=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // The JDK server refuses the request line itself; the handler's own check is the backstop.
      assertThat(response).startsWith("HTTP/1.1 400");
    }
  }

  @Test
  void healthzTurnsNotServingWhenShutdownBegins() throws Exception {
    server.beginShutdown();
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).isEqualTo("{\"status\":\"NOT_SERVING\"}");
  }

  @Test
  void healthzReportsServing() throws Exception {
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"status\":\"SERVING\"}");
  }
}
