package dev.cozegateway.bootstrap;

import com.google.inject.AbstractModule;

/** Guice, strictly: every binding explicit, no circular proxies, no JIT surprises. */
final class StrictModule extends AbstractModule {
  @Override
  protected void configure() {
    binder().requireExplicitBindings();
    binder().disableCircularProxies();
    binder().requireAtInjectOnConstructors();
    binder().requireExactBindingAnnotations();
  }
}
