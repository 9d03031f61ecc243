package dev.cozegateway.adapters.grpc;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.application.DeviceUseCases;
import dev.cozegateway.application.ServiceTokenUseCases;
import dev.cozegateway.application.WorkflowUseCases;
import io.opentelemetry.api.OpenTelemetry;
import java.util.List;
import java.util.Objects;

/**
 * Binds the gRPC API and provides the {@link GrpcServer}, not started: the bootstrap starts it and
 * shuts it down. Needs {@link AuthUseCases}, {@link DeviceUseCases}, {@link ServiceTokenUseCases},
 * {@link WorkflowUseCases} and {@link OpenTelemetry} bound elsewhere.
 */
public final class GrpcModule extends AbstractModule {
  private final GrpcConfig config;

  public GrpcModule(GrpcConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    requireBinding(AuthUseCases.class);
    requireBinding(WorkflowUseCases.class);
    requireBinding(DeviceUseCases.class);
    requireBinding(ServiceTokenUseCases.class);
    requireBinding(OpenTelemetry.class);
    bind(AuthGrpcService.class);
    bind(WorkflowGrpcService.class);
  }

  @Provides
  @Singleton
  GrpcServer grpcServer(
      AuthGrpcService auth, WorkflowGrpcService workflows, OpenTelemetry openTelemetry) {
    return new GrpcServer(config, List.of(auth, workflows), openTelemetry);
  }
}
