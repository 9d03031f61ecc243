package dev.cozegateway.adapters.web;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.cozegateway.application.AuthUseCases;

/** Binds the browser-facing {@link WebServer}; needs {@link AuthUseCases} from outside. */
public final class WebModule extends AbstractModule {
  private final WebConfig config;

  public WebModule(WebConfig config) {
    this.config = config;
  }

  @Provides
  @Singleton
  WebServer webServer(AuthUseCases useCases) {
    return new WebServer(config, useCases.completeAuthorization());
  }
}
