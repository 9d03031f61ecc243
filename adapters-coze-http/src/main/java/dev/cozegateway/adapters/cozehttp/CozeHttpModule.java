package dev.cozegateway.adapters.cozehttp;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.cozegateway.domain.port.CozeOAuth;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.javahttpclient.JavaHttpClientTelemetry;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.util.Objects;

/**
 * Binds {@link CozeOAuth} to Coze's OAuth HTTP endpoints.
 *
 * <p>Requires a binding for {@link OpenTelemetry} from outside (never the global instance): every
 * call to Coze gets an HTTP client span and propagates the trace context. Does no I/O while the
 * injector is built; the HTTP client is created when {@link CozeOAuth} is first provided.
 */
public final class CozeHttpModule extends AbstractModule {
  private final CozeHttpConfig config;

  public CozeHttpModule(CozeHttpConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    requireBinding(OpenTelemetry.class);
  }

  @Provides
  @Singleton
  CozeOAuth cozeOAuth(OpenTelemetry openTelemetry) {
    // Java 17's HttpClient has no close(): its threads are daemons and end with the client, so
    // there is nothing for the lifecycle to shut down.
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpClient traced = JavaHttpClientTelemetry.create(openTelemetry).newHttpClient(client);
    return new HttpCozeOAuth(traced, config.requestTimeout());
  }
}
