package dev.cozegateway.bootstrap;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import dev.cozegateway.adapters.cozehttp.CozeHttpConfig;
import dev.cozegateway.adapters.cozehttp.CozeHttpModule;
import dev.cozegateway.adapters.grpc.GrpcConfig;
import dev.cozegateway.adapters.grpc.GrpcModule;
import dev.cozegateway.adapters.grpc.GrpcServer;
import dev.cozegateway.adapters.redis.RedisStore;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.adapters.web.WebConfig;
import dev.cozegateway.adapters.web.WebModule;
import dev.cozegateway.adapters.web.WebServer;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.application.DevicePollSweep;
import dev.cozegateway.application.DeviceUseCases;
import dev.cozegateway.application.RefreshSweep;
import dev.cozegateway.application.WorkflowRunSweep;
import dev.cozegateway.application.WorkflowUseCases;
import dev.cozegateway.bootstrap.config.ConfigException;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.bootstrap.config.StoreType;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.SecretVault;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway and the one owner of everything it opened. {@link #close()} shuts down in
 * reverse order of start: {@code /healthz} turns NOT_SERVING, gRPC drains (its health goes
 * NOT_SERVING, in-flight calls finish, handlers still waiting on Coze are awaited), then the
 * callback server drains, the store closes, and last the telemetry, so the final spans are
 * exported. The refresh sweep is told to stop first of all, and awaited just before the store
 * closes: a refresh it has started is finished and persisted, since Coze may already have rotated
 * the refresh token.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final GrpcServer grpc;
  private final WebServer web;
  private final ScheduledExecutorService probe;
  private final ScheduledExecutorService sweeper;
  private final ScheduledExecutorService workflowSweeper;
  private boolean closed;
  private volatile boolean ready = true;
  private volatile boolean stopSweeping;

  /** The refresh sweep and how often it runs; {@code null} when disabled. */
  private record SweepSchedule(RefreshSweep sweep, Duration interval, Duration jitter) {}

  private Gateway(
      Telemetry telemetry,
      Injector injector,
      Class<? extends AutoCloseable> store,
      BooleanSupplier storeReachable,
      Duration probeInterval,
      Duration drain,
      SweepSchedule sweepSchedule,
      WorkflowRunSweep workflowSweep,
      DevicePollSweep devicePolls,
      Duration workflowSweepInterval) {
    closeables.push(telemetry);
    try {
      closeables.push(injector.getInstance(store));
      ScheduledThreadPoolExecutor sweepThread =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread thread = new Thread(r, "refresh-sweep");
                thread.setDaemon(true);
                return thread;
              });
      // On shutdown, the next run is cancelled; only a run in progress is awaited.
      sweepThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      sweeper = sweepThread;
      // Popped after gRPC and the callback server have drained, before the store closes.
      closeables.push(() -> awaitSweeper(drain));
      workflowSweeper =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread thread = new Thread(r, "background-sweep");
                thread.setDaemon(true);
                return thread;
              });
      closeables.push(() -> awaitWorkflowSweeper(drain));
      web = injector.getInstance(WebServer.class);
      web.start();
      int graceSeconds = (int) Math.max(1, drain.toSeconds());
      closeables.push(() -> web.stop(graceSeconds));
      grpc = injector.getInstance(GrpcServer.class);
      grpc.start();
      closeables.push(grpc::shutdown);
      // Readiness follows the store: a refresh needs it, so without it the gateway fails closed
      // (UNAVAILABLE) and tells load balancers so, and recovers when the store is back.
      probe =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread thread = new Thread(r, "store-probe");
                thread.setDaemon(true);
                return thread;
              });
      probe.scheduleWithFixedDelay(
          () -> reportReadiness(storeReachable),
          probeInterval.toMillis(),
          probeInterval.toMillis(),
          TimeUnit.MILLISECONDS);
      if (sweepSchedule != null) {
        scheduleSweep(sweepSchedule);
      }
      // Device authorizations and async runs are polled, abandoned runs failed and old runs
      // deleted, in every replica.
      workflowSweeper.scheduleWithFixedDelay(
          () -> {
            pollDevices(devicePolls);
            sweepWorkflowRuns(workflowSweep);
          },
          workflowSweepInterval.toMillis(),
          workflowSweepInterval.toMillis(),
          TimeUnit.MILLISECONDS);
      // First of all on close: no new sweep, stop probing, and /healthz turns NOT_SERVING while
      // gRPC drains.
      closeables.push(web::beginShutdown);
      closeables.push(probe::shutdownNow);
      closeables.push(this::stopSweeper);
      closeables.push(workflowSweeper::shutdown);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Builds and starts a gateway.
   *
   * @param config the validated configuration
   * @param keyRing the vault's keys
   * @param env the process environment (for {@code env:} secret references)
   * @param clock the clock (the system clock, except in tests)
   * @param telemetry the telemetry; the gateway owns and closes it
   */
  public static Gateway start(
      GatewayConfig config,
      KeyRing keyRing,
      Map<String, String> env,
      InstantSource clock,
      Telemetry telemetry) {
    Injector injector;
    try {
      // Secrets are resolved before anything is opened, so a bad reference leaks no open store.
      SecretVault vault = Vaults.create(keyRing);
      AppDirectory apps = ConfiguredApps.resolve(config.apps(), env, vault);
      List<Module> modules =
          List.of(
              new StrictModule(),
              new CoreModule(
                  apps,
                  vault,
                  clock,
                  telemetry.openTelemetry(),
                  config.refreshLeaseTtl(),
                  config.refreshPersistTimeout(),
                  config.workflows()),
              Stores.module(config, env, vault),
              new CozeHttpModule(
                  new CozeHttpConfig(
                      config.cozeConnectTimeout(),
                      config.cozeRequestTimeout(),
                      config.cozeRunTimeout(),
                      config.cozeStreamIdleTimeout())),
              new GrpcModule(
                  new GrpcConfig(config.grpcHost(), config.grpcPort(), config.grpcDrainTimeout())),
              new WebModule(new WebConfig(config.httpHost(), config.httpPort())));
      injector = Guice.createInjector(Stage.PRODUCTION, modules);
    } catch (RuntimeException e) {
      telemetry.close();
      throw unwrapConfigProblem(e);
    }
    boolean redis = config.storeType() == StoreType.REDIS;
    BooleanSupplier storeReachable =
        redis ? injector.getInstance(RedisStore.class)::isReachable : () -> true;
    SweepSchedule sweep =
        config.refreshSweepEnabled()
            ? new SweepSchedule(
                new RefreshSweep(
                    injector.getInstance(ConnectionStore.class),
                    injector.getInstance(AuthUseCases.class).getAccessToken(),
                    clock,
                    config.refreshWindow(),
                    config.refreshKeepAliveAge()),
                config.refreshSweepInterval(),
                config.refreshJitter())
            : null;
    return new Gateway(
        telemetry,
        injector,
        Stores.owner(config),
        storeReachable,
        config.storeProbeInterval(),
        config.grpcDrainTimeout(),
        sweep,
        injector.getInstance(WorkflowUseCases.class).sweep(),
        injector.getInstance(DeviceUseCases.class).pollSweep(),
        config.workflowSweepInterval());
  }

  private static void pollDevices(DevicePollSweep sweep) {
    try {
      DevicePollSweep.Report report = sweep.execute();
      if (report.completed() > 0 || report.ended() > 0) {
        log.info(
            "device authorizations: polled {}, approved {}, ended otherwise {}",
            report.polled(),
            report.completed(),
            report.ended());
      }
    } catch (RuntimeException e) {
      log.warn("device authorization polling did not complete: {}", e.toString());
    }
  }

  private static void sweepWorkflowRuns(WorkflowRunSweep sweep) {
    try {
      WorkflowRunSweep.Report report = sweep.execute();
      if (report.finished() > 0 || report.deleted() > 0) {
        log.info(
            "workflow run sweep: polled {}, finished {}, abandoned {}, deleted {}",
            report.polled(),
            report.finished(),
            report.abandoned(),
            report.deleted());
      }
    } catch (RuntimeException e) {
      // Typically the store is unreachable; the next run tries again.
      log.warn("workflow run sweep did not complete: {}", e.toString());
    }
  }

  private void awaitWorkflowSweeper(Duration drain) throws InterruptedException {
    workflowSweeper.shutdown();
    if (!workflowSweeper.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
      log.warn("workflow run sweep still running after the drain; stopping anyway");
    }
  }

  /** A configuration problem found while building (e.g. a bad secret reference) surfaces as is. */
  private static RuntimeException unwrapConfigProblem(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConfigException config) {
        return config;
      }
    }
    return e;
  }

  private void reportReadiness(BooleanSupplier storeReachable) {
    boolean ready;
    try {
      ready = storeReachable.getAsBoolean();
    } catch (RuntimeException e) {
      ready = false;
    }
    if (ready != this.ready) {
      log.warn(ready ? "store reachable again: serving" : "store unreachable: not serving");
      this.ready = ready;
    }
    grpc.setServing(ready);
    web.setReady(ready);
  }

  /**
   * Runs the sweep after the interval plus a random part of the jitter, each time anew, so that
   * replicas started together do not sweep in lockstep.
   */
  private void scheduleSweep(SweepSchedule schedule) {
    if (stopSweeping) {
      return;
    }
    long delay =
        schedule.interval().toMillis()
            + ThreadLocalRandom.current().nextLong(Math.max(1, schedule.jitter().toMillis()));
    try {
      sweeper.schedule(
          () -> {
            sweepOnce(schedule.sweep());
            scheduleSweep(schedule);
          },
          delay,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Shutting down.
    }
  }

  private void sweepOnce(RefreshSweep sweep) {
    RefreshSweep.Report report;
    try {
      report = sweep.execute(() -> stopSweeping);
    } catch (RuntimeException e) {
      // Typically the store is unreachable; the next run tries again. The message names no token.
      log.warn("refresh sweep did not complete: {}", e.toString());
      return;
    }
    if (report.failed() > 0) {
      log.warn(
          "refresh sweep: visited {}, refreshed {}, kept alive {}, failed {}",
          report.visited(),
          report.refreshed(),
          report.keptAlive(),
          report.failed());
    } else if (report.didSomething()) {
      log.info(
          "refresh sweep: visited {}, refreshed {}, kept alive {}, failed {}",
          report.visited(),
          report.refreshed(),
          report.keptAlive(),
          report.failed());
    }
  }

  /** No new sweep; a sweep in progress finishes the refresh it is in and skips the rest. */
  private void stopSweeper() {
    stopSweeping = true;
    sweeper.shutdown();
  }

  private void awaitSweeper(Duration atMost) throws InterruptedException {
    stopSweeper();
    if (!sweeper.awaitTermination(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      log.warn("refresh sweep still running after {}s; stopping it", atMost.toSeconds());
      sweeper.shutdownNow();
    }
  }

  public int grpcPort() {
    return grpc.port();
  }

  public int httpPort() {
    return web.port();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!closeables.isEmpty()) {
      AutoCloseable next = closeables.pop();
      try {
        next.close();
      } catch (Exception e) {
        log.warn("error while shutting down {}", next, e);
      }
    }
    log.info("gateway stopped");
  }
}
