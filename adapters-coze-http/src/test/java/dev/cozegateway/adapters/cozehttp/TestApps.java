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
          }
        },
        new CozeHttpModule(config));
  }
}
