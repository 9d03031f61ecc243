package dev.cozegateway.bootstrap;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;

/**
 * The OpenTelemetry SDK, configured from the standard {@code OTEL_*} environment. One instance is
 * injected everywhere; the global one is never set.
 *
 * <p>Defaults differ from the SDK's in two ways: nothing is exported unless an exporter or an OTLP
 * endpoint is configured (so a laptop run does not log connection errors), and OTLP uses {@code
 * http/protobuf}, the protocol of the bundled JDK HTTP sender (Jaeger listens on 4318).
 */
public final class Telemetry implements AutoCloseable {
  private final OpenTelemetrySdk sdk;

  private Telemetry(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
  }

  public static Telemetry fromEnvironment(Map<String, String> env) {
    Map<String, String> defaults = defaults(env);
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> defaults)
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    return new Telemetry(sdk);
  }

  /** A telemetry that records nothing, for tests that do not look at spans. */
  public static Telemetry wrap(OpenTelemetrySdk sdk) {
    return new Telemetry(sdk);
  }

  static Map<String, String> defaults(Map<String, String> env) {
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.service.name", "coze-gateway");
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    boolean otlpConfigured =
        env.containsKey("OTEL_EXPORTER_OTLP_ENDPOINT")
            || env.containsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    defaults.put("otel.traces.exporter", otlpConfigured ? "otlp" : "none");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    return defaults;
  }

  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  @Override
  public void close() {
    sdk.close();
  }
}
