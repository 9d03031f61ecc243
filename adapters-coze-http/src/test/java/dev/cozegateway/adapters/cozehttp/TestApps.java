package dev.cozegateway.adapters.cozehttp;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.CozeOAuth;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Set;

/** Apps and adapters for tests, built the way bootstrap builds them: through the module. */
final class TestApps {
  static final String WEB_CLIENT_ID = "57294420732781205987760324720643.app.coze";
  static final String PKCE_CLIENT_ID = "97673369224752235781826831250001.app.coze";
  static final String WEB_SECRET = "czvSJMcRob40yQ04HmSyCbEw6h22r0LJwHcKyu13H2icSECRET";
  static final URI REDIRECT_URI = URI.create("https://gateway.example/oauth/callback?x=1");

  private TestApps() {}

  static App web(URI cozeBase) {
    return web(cozeBase, WEB_CLIENT_ID, WEB_SECRET, REDIRECT_URI);
  }

  static App web(URI cozeBase, String clientId, String secret, URI redirectUri) {
    return new App(
        new AppId("web-app"),
        AppType.WEB,
        CozeRegion.custom(cozeBase),
        clientId,
        Secret.of(secret),
        "env:WEB_SECRET",
        redirectUri,
        Set.of());
  }

  static App pkce(URI cozeBase) {
    return pkce(cozeBase, PKCE_CLIENT_ID, REDIRECT_URI);
  }

  static App pkce(URI cozeBase, String clientId, URI redirectUri) {
    return new App(
        new AppId("pkce-app"),
        AppType.PKCE,
        CozeRegion.custom(cozeBase),
        clientId,
        null,
        "",
        redirectUri,
        Set.of());
  }

  static final String DEVICE_CLIENT_ID = "43253000000000000000000000000001.app.coze";
  static final String JWT_CLIENT_ID = "1143253000000000000000000000000002.app.coze";
  static final String KEY_ID = "gdehvaDegW0123456789abcdefghijklmnopqrstu";

  static App device(URI cozeBase) {
    return device(CozeRegion.custom(cozeBase), DEVICE_CLIENT_ID);
  }

  static App device(CozeRegion region, String clientId) {
    return new App(new AppId("tv-app"), AppType.DEVICE, region, clientId, null, "", null, Set.of());
  }

  /** A JWT app signing with {@link TestKeys#RSA} (PKCS#8) under {@link #KEY_ID}. */
  static App jwt(URI cozeBase) {
    return jwt(CozeRegion.custom(cozeBase), JWT_CLIENT_ID, TestKeys.pkcs8(TestKeys.RSA), KEY_ID);
  }

  static App jwt(CozeRegion region, String clientId, Secret privateKey, String keyId) {
    return new App(
        new AppId("service-app"),
        AppType.JWT,
        region,
        clientId,
        null,
        "",
        null,
        Set.of(),
        privateKey,
        keyId);
  }

  static App ofType(AppType type, URI cozeBase) {
    return new App(
        new AppId("other-app"),
        type,
        CozeRegion.custom(cozeBase),
        "12345678901234567890123456789012.app.coze",
        null,
        "",
        null,
        Set.of());
  }

  /** A loopback URI nothing listens on: connections to it are refused. */
  static URI closedLoopbackUri() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The adapter as the module provides it, in a strict injector. */
  static CozeOAuth cozeOAuth(CozeHttpConfig config, OpenTelemetry openTelemetry) {
    return injector(config, openTelemetry).getInstance(CozeOAuth.class);
  }

  static Injector injector(CozeHttpConfig config, OpenTelemetry openTelemetry) {
    return Guice.createInjector(
        new AbstractModule() {
          @Override
          protected void configure() {
            binder().requireExplicitBindings();
            binder().disableCircularProxies();
            bind(OpenTelemetry.class).toInstance(openTelemetry);
            bind(java.time.InstantSource.class).toInstance(java.time.InstantSource.system());
          }
        },
        new CozeHttpModule(config));
  }
}
