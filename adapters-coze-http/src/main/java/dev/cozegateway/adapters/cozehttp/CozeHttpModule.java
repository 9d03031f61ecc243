package dev.cozegateway.adapters.cozehttp;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeServiceTokens;
import dev.cozegateway.domain.port.CozeWorkflows;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.javahttpclient.JavaHttpClientTelemetry;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Binds {@link CozeOAuth}, {@link CozeDeviceFlow} and {@link CozeServiceTokens} to Coze's OAuth
 * HTTP endpoints and {@link CozeWorkflows} to its workflow endpoints, all over one HTTP client.
 *
 * <p>Requires bindings for {@link OpenTelemetry} (never the global instance: every call to Coze
 * gets an HTTP client span and propagates the trace context) and for the gateway's {@link
 * InstantSource} (the JWTs' {@code iat} and {@code exp}) from outside. Does no I/O while the
 * injector is built; the HTTP client is created when an adapter is first provided.
 */
public final class CozeHttpModule extends AbstractModule {
  private final CozeHttpConfig config;

  public CozeHttpModule(CozeHttpConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The traced HTTP client every adapter shares; a type of its own keeps it out of other keys. */
  record CozeHttpClient(HttpClient traced) {}

  @Override
  protected void configure() {
    requireBinding(OpenTelemetry.class);
    requireBinding(InstantSource.class);
  }

  @Provides
  @Singleton
  CozeHttpClient cozeHttpClient(OpenTelemetry openTelemetry) {
    // Java 17's HttpClient has no close(): its threads are daemons and end with the client, so
    // there is nothing for the lifecycle to shut down.
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return new CozeHttpClient(JavaHttpClientTelemetry.create(openTelemetry).newHttpClient(client));
  }

  @Provides
  @Singleton
  CozeOAuth cozeOAuth(CozeHttpClient http) {
    return new HttpCozeOAuth(http.traced(), config.requestTimeout());
  }

  @Provides
  @Singleton
  CozeWorkflows cozeWorkflows(CozeHttpClient http) {
    return new HttpCozeWorkflows(
        http.traced(), config.requestTimeout(), config.runTimeout(), config.streamIdleTimeout());
  }

  @Provides
  @Singleton
  CozeDeviceFlow cozeDeviceFlow(CozeHttpClient http) {
    return new HttpCozeDeviceFlow(http.traced(), config.requestTimeout());
  }

  @Provides
  @Singleton
  CozeServiceTokens cozeServiceTokens(CozeHttpClient http, InstantSource clock) {
    // The gateway's clock (the system clock when serving): iat and exp must be the time Coze
    // reads them by; the demo's sandbox keeps its own, shared clock.
    return new HttpCozeServiceTokens(http.traced(), config.requestTimeout(), clock);
  }
}
