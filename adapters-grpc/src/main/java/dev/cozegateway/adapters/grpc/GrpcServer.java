package dev.cozegateway.adapters.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's gRPC server: the API services plus {@code grpc.health.v1} and server reflection, on
 * Netty. The bootstrap owns it and calls {@link #start()} once and {@link #shutdown()} on the way
 * out. Thread-safe.
 */
public final class GrpcServer {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  /** How long to wait for cancelled calls to finish once the drain timeout ran out. */
  private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(5);

  private enum Phase {
    NEW,
    RUNNING,
    STOPPED
  }

  private final GrpcConfig config;
  private final List<ServerServiceDefinition> services;
  private final List<AuthGrpcService> watchServices;
  private final OpenTelemetry openTelemetry;
  private final HealthStatusManager health = new HealthStatusManager();
  private final Object lifecycle = new Object();

  // Guarded by lifecycle.
  private Phase phase = Phase.NEW;
  private Server server;
  private ExecutorService callExecutor;

  private volatile int port = -1;

  GrpcServer(
      GrpcConfig config, List<? extends BindableService> services, OpenTelemetry openTelemetry) {
    this.config = Objects.requireNonNull(config, "config");
    this.services = services.stream().map(BindableService::bindService).toList();
    this.watchServices =
        services.stream()
            .filter(AuthGrpcService.class::isInstance)
            .map(AuthGrpcService.class::cast)
            .toList();
    this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
  }

  /**
   * Binds the port and starts serving; health then reports SERVING for the server ("") and every
   * API service.
   *
   * @throws IllegalStateException if started before, or already shut down
   * @throws UncheckedIOException if the address cannot be bound
   */
  public void start() {
    synchronized (lifecycle) {
      if (phase != Phase.NEW) {
        throw new IllegalStateException("the gRPC server starts only once; it is " + phase);
      }
      Server built = build();
      try {
        built.start();
      } catch (IOException e) {
        phase = Phase.STOPPED;
        throw new UncheckedIOException(
            "cannot serve gRPC on " + config.host() + ":" + config.port(), e);
      }
      server = built;
      port = built.getPort();
      phase = Phase.RUNNING;
      setHealth(ServingStatus.SERVING);
      log.info("gRPC server listening on {}", built.getListenSockets());
    }
  }

  /**
   * Reports the server and every service as SERVING or NOT_SERVING, e.g. while the store cannot be
   * reached, so that load balancers send traffic elsewhere. Calls keep being accepted. Does nothing
   * unless the server is running (shutdown's NOT_SERVING is final).
   */
  public void setServing(boolean serving) {
    synchronized (lifecycle) {
      if (phase == Phase.RUNNING) {
        setHealth(serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      }
    }
  }

  private void setHealth(ServingStatus status) {
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    for (ServerServiceDefinition service : services) {
      health.setStatus(service.getServiceDescriptor().getName(), status);
    }
  }

  /**
   * The bound port, useful when the configured port is 0.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public int port() {
    int bound = port;
    if (bound < 0) {
      throw new IllegalStateException("the gRPC server is not started");
    }
    return bound;
  }

  /**
   * Stops gracefully: health turns NOT_SERVING, new calls are refused, in-flight calls get up to
   * the drain timeout to finish, and whatever still runs then is cancelled. Returns once the server
   * has stopped. Idempotent; a concurrent caller waits for the first one to finish.
   *
   * <p>Open {@code Health/Watch} streams count as in-flight calls: they get NOT_SERVING first, and
   * hold the drain until their clients close them or the timeout runs out. Open {@code
   * WatchAuthorization} streams end at once with UNAVAILABLE, for their clients to watch again:
   * they wait on nothing in flight, and would otherwise hold every restart for the whole drain.
   */
  public void shutdown() {
    synchronized (lifecycle) {
      Phase was = phase;
      phase = Phase.STOPPED;
      if (was != Phase.RUNNING) {
        return;
      }
      // Load balancers that watch health stop sending before the listener closes.
      health.enterTerminalState();
      server.shutdown();
      watchServices.forEach(AuthGrpcService::endWatches);
      log.info("gRPC server draining for up to {}", config.drainTimeout());
      long deadline = System.nanoTime() + config.drainTimeout().toNanos();
      if (!awaitTermination(config.drainTimeout())) {
        log.warn("gRPC calls still running after {}; cancelling them", config.drainTimeout());
        server.shutdownNow();
        awaitTermination(FORCED_STOP_WAIT);
      }
      // Cancelling a call does not stop its thread: a handler may still be waiting on Coze. What
      // the gateway closes next (the store) must outlive it, so wait for the handlers too.
      callExecutor.shutdown();
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      if (!awaitHandlers(left.plus(FORCED_STOP_WAIT))) {
        log.warn("gRPC handlers still running after the drain; stopping anyway");
      }
      log.info("gRPC server stopped");
    }
  }

  // Health checks and reflection are left untraced: probes every few seconds would drown the RPCs.
  @SuppressWarnings("deprecation") // the v1alpha reflection service: some clients ask only for it
  private Server build() {
    ServerInterceptor tracing = GrpcTelemetry.create(openTelemetry).createServerInterceptor();
    callExecutor = Executors.newCachedThreadPool(new CallThreads());
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
            .executor(callExecutor)
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .addService(ProtoReflectionService.newInstance());
    for (ServerServiceDefinition service : services) {
      builder.addService(ServerInterceptors.intercept(service, tracing));
    }
    return builder.build();
  }

  private boolean awaitHandlers(Duration timeout) {
    try {
      return callExecutor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return callExecutor.isTerminated();
    }
  }

  /** Names the threads that run calls, for thread dumps. */
  private static final class CallThreads implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "grpc-call-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }

  private boolean awaitTermination(Duration timeout) {
    if (Thread.currentThread().isInterrupted()) {
      return server.isTerminated();
    }
    try {
      return server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return server.isTerminated();
    }
  }
}
