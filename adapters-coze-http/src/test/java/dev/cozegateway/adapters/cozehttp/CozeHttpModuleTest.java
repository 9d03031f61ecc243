package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import dev.cozegateway.domain.port.CozeServiceTokens;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The module's wiring: a strict injector, one adapter, and a client span for every Coze call. */
class CozeHttpModuleTest {
  private static final String REFRESH_TOKEN = "refresh-token-that-must-not-be-traced-0123456789";
  private static final String NEW_REFRESH_TOKEN = "new-refresh-token-that-must-not-be-traced";
  private static final String ACCESS_TOKEN = "czu_access-token-that-must-not-be-traced";
  private static final String TOKEN_PATH = "/api/permission/oauth2/token";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private OpenTelemetrySdk openTelemetry;
  private RecordingCozeServer server;

  @BeforeEach
  void setUp() throws IOException {
    openTelemetry =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    server = RecordingCozeServer.start();
  }

  @AfterEach
  void tearDown() {
    server.close();
    openTelemetry.close();
  }

  @Test
  void providesOneAdapterInAStrictInjector() {
    Injector injector = TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop());

    CozeOAuth first = injector.getInstance(CozeOAuth.class);

    assertThat(first).isInstanceOf(HttpCozeOAuth.class);
    assertThat(injector.getInstance(CozeOAuth.class)).isSameAs(first);
  }

  @Test
  void requiresAnOpenTelemetryBindingFromOutside() {
    AbstractModule strict =
        new AbstractModule() {
          @Override
          protected void configure() {
            binder().requireExplicitBindings();
          }
        };

    assertThatThrownBy(
            () -> Guice.createInjector(strict, new CozeHttpModule(CozeHttpConfig.defaults())))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("OpenTelemetry");
  }

  @Test
  void everyCozeCallGetsAClientSpanThatCarriesNoSecrets() throws Exception {
    CozeOAuth oauth = TestApps.cozeOAuth(CozeHttpConfig.defaults(), openTelemetry);
    server.replyJson(
        200,
        "{\"access_token\":\""
            + ACCESS_TOKEN
            + "\",\"expires_in\":1720098388,\"refresh_token\":\""
            + NEW_REFRESH_TOKEN
            + "\"}",
        "logid-1");
    assertThat(oauth.refresh(TestApps.web(server.baseUri()), Secret.of(REFRESH_TOKEN)))
        .isInstanceOf(GrantResult.Granted.class);
    server.replyJson(400, "{\"error_code\":\"invalid_grant\",\"error_message\":\"x\"}", "logid-2");
    assertThat(oauth.refresh(TestApps.pkce(server.baseUri()), Secret.of(REFRESH_TOKEN)))
        .isInstanceOf(GrantResult.Rejected.class);

    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(2);
    assertThat(finished)
        .allSatisfy(
            span -> {
              assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
              assertThat(span.getAttributes().get(AttributeKey.stringKey("http.request.method")))
                  .isEqualTo("POST");
              assertThat(span.getAttributes().get(AttributeKey.stringKey("url.full")))
                  .isEqualTo(server.baseUri() + TOKEN_PATH);
              span.getAttributes()
                  .forEach(
                      (key, value) ->
                          assertThat(String.valueOf(value))
                              .doesNotContain(
                                  TestApps.WEB_SECRET,
                                  REFRESH_TOKEN,
                                  NEW_REFRESH_TOKEN,
                                  ACCESS_TOKEN));
            });
    assertThat(finished)
        .extracting(
            span -> span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
        .containsExactly(200L, 400L);
    // The trace context travels to Coze, so the client span and Coze's logid can be correlated.
    assertThat(server.takeRequest().header("traceparent"))
        .contains(finished.get(0).getTraceId())
        .contains(finished.get(0).getSpanId());
  }

  @Test
  void anUnreachableCozeEndsTheSpanWithAnError() throws IOException {
    URI closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
    CozeOAuth oauth = TestApps.cozeOAuth(CozeHttpConfig.defaults(), openTelemetry);

    assertThatThrownBy(() -> oauth.refresh(TestApps.web(closed), Secret.of(REFRESH_TOKEN)))
        .isInstanceOf(GatewayException.Unavailable.class);

    assertThat(spans.getFinishedSpanItems())
        .singleElement()
        .satisfies(
            span -> {
              assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
              assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            });
  }

  @Test
  void providesTheDeviceAndServiceAdaptersOnce() {
    Injector injector = TestApps.injector(CozeHttpConfig.defaults(), OpenTelemetry.noop());

    CozeDeviceFlow deviceFlow = injector.getInstance(CozeDeviceFlow.class);
    CozeServiceTokens serviceTokens = injector.getInstance(CozeServiceTokens.class);

    assertThat(deviceFlow).isInstanceOf(HttpCozeDeviceFlow.class);
    assertThat(injector.getInstance(CozeDeviceFlow.class)).isSameAs(deviceFlow);
    assertThat(serviceTokens).isInstanceOf(HttpCozeServiceTokens.class);
    assertThat(injector.getInstance(CozeServiceTokens.class)).isSameAs(serviceTokens);
  }

  @Test
  void deviceAndJwtCallsGetClientSpansThatCarryNoSecrets() throws Exception {
    Injector injector = TestApps.injector(CozeHttpConfig.defaults(), openTelemetry);
    String deviceCode = "device-code-that-must-not-be-traced-0123456789";
    server.replyJson(400, "{\"error_code\":\"authorization_pending\"}", "logid-1");
    assertThat(
            injector
                .getInstance(CozeDeviceFlow.class)
                .pollDeviceToken(TestApps.device(server.baseUri()), Secret.of(deviceCode)))
        .isInstanceOf(CozeDeviceFlow.DevicePoll.Pending.class);
    server.replyJson(
        200, "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":1720098388}", "logid-2");
    injector
        .getInstance(CozeServiceTokens.class)
        .exchange(
            TestApps.jwt(server.baseUri()),
            new CozeServiceTokens.Request("", CozeServiceTokens.Request.DEFAULT_DURATION, "", ""));
    server.takeRequest();
    String jwt = server.takeRequest().header("Authorization").substring("Bearer ".length());

    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(2);
    assertThat(finished)
        .allSatisfy(
            span -> {
              assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
              assertThat(span.getAttributes().get(AttributeKey.stringKey("url.full")))
                  .isEqualTo(server.baseUri() + TOKEN_PATH);
              span.getAttributes()
                  .forEach(
                      (key, value) ->
                          assertThat(String.valueOf(value))
                              .doesNotContain(deviceCode, jwt, ACCESS_TOKEN));
            });
  }
}
