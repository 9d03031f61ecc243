package dev.cozegateway.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.application.DeviceUseCases;
import dev.cozegateway.application.ServiceTokenUseCases;
import dev.cozegateway.application.WorkflowUseCases;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GrpcModuleTest {
  private static final GrpcConfig CONFIG = new GrpcConfig("127.0.0.1", 0, Duration.ofSeconds(1));

  @Test
  void providesOneUnstartedServerUnderAStrictInjector() {
    Injector injector =
        strictInjector(
            new AbstractModule() {
              @Override
              protected void configure() {
                TestGateway gateway = new TestGateway();
                AuthUseCases auth = gateway.useCases();
                bind(AuthUseCases.class).toInstance(auth);
                bind(WorkflowUseCases.class).toInstance(gateway.workflowUseCases(auth));
                bind(DeviceUseCases.class).toInstance(gateway.deviceUseCases(auth));
                bind(ServiceTokenUseCases.class).toInstance(gateway.serviceTokenUseCases());
                bind(OpenTelemetry.class).toInstance(OpenTelemetry.noop());
              }
            });

    GrpcServer server = injector.getInstance(GrpcServer.class);

    assertThat(injector.getInstance(GrpcServer.class)).isSameAs(server);
    assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
    server.start();
    try {
      assertThat(server.port()).isPositive();
    } finally {
      server.shutdown();
    }
  }

  @Test
  void failsAtStartupWithoutTheUseCases() {
    assertThatThrownBy(
            () ->
                strictInjector(
                    new AbstractModule() {
                      @Override
                      protected void configure() {
                        bind(OpenTelemetry.class).toInstance(OpenTelemetry.noop());
                      }
                    }))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining(AuthUseCases.class.getName());
  }

  private static Injector strictInjector(Module outside) {
    return Guice.createInjector(
        Stage.PRODUCTION,
        new AbstractModule() {
          @Override
          protected void configure() {
            binder().requireExplicitBindings();
            binder().requireAtInjectOnConstructors();
            binder().disableCircularProxies();
          }
        },
        outside,
        new GrpcModule(CONFIG));
  }
}
