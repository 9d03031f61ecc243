package dev.cozegateway.adapters.grpc;

import static dev.cozegateway.adapters.grpc.StatusDetails.assertError;
import static dev.cozegateway.adapters.grpc.TestGateway.connectionName;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.common.util.concurrent.ListenableFuture;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.api.v1.StartDeviceAuthorizationRequest;
import dev.cozegateway.api.v1.WatchAuthorizationRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real server: Netty on a free loopback port, with a real channel. */
class GrpcServerTest {
  private static final String AUTH_SERVICE = "coze.gateway.v1.AuthService";
  private static final String WORKFLOW_SERVICE = "coze.gateway.v1.WorkflowService";
  private static final long WAIT_SECONDS = 10;

  private final TestGateway gateway = new TestGateway();
  private final SpanCollector spans = new SpanCollector();
  private final SdkTracerProvider tracerProvider =
      SdkTracerProvider.builder().addSpanProcessor(spans).build();
  private final ExecutorService background = Executors.newSingleThreadExecutor();
  private GrpcServer server;
  private ManagedChannel channel;
  private AuthServiceBlockingStub auth;

  @BeforeEach
  void startServer() {
    server =
        new GrpcServer(
            new GrpcConfig("127.0.0.1", 0, Duration.ofSeconds(30)),
            List.of(
                gateway.authService(gateway.useCases()),
                new WorkflowGrpcService(gateway.workflowUseCases(gateway.useCases()))),
            OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build());
    server.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    auth = AuthServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    gateway.coze.openRefreshGate();
    channel.shutdownNow();
    server.shutdown();
    channel.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
    background.shutdownNow();
    tracerProvider.close();
  }

  @Test
  void reportsServingForTheServerAndEachService() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    for (String service : List.of("", AUTH_SERVICE, WORKFLOW_SERVICE)) {
      assertThat(
              health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
          .as("health of '%s'", service)
          .isEqualTo(ServingStatus.SERVING);
    }
    Throwable unknown =
        catchThrowable(
            () -> health.check(HealthCheckRequest.newBuilder().setService("no.Such").build()));
    assertThat(Status.fromThrowable(unknown).getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void reflectionV1ListsTheApiServices() throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new Collecting<io.grpc.reflection.v1.ServerReflectionResponse>(
                    response ->
                        services.complete(
                            response.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1.ServiceResponse::getName)
                                .toList()),
                    services::completeExceptionally));
    requests.onNext(
        io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());

    assertThat(services.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .contains(AUTH_SERVICE, WORKFLOW_SERVICE, "grpc.health.v1.Health");
    requests.onCompleted();
  }

  @Test
  @SuppressWarnings("deprecation") // v1alpha is what older reflection clients still ask for
  void reflectionV1AlphaListsTheApiServicesToo() throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new Collecting<io.grpc.reflection.v1alpha.ServerReflectionResponse>(
                    response ->
                        services.complete(
                            response.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
                                .toList()),
                    services::completeExceptionally));
    requests.onNext(
        io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
            .setListServices("")
            .build());

    assertThat(services.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .contains(AUTH_SERVICE, WORKFLOW_SERVICE);
    requests.onCompleted();
  }

  @Test
  void recordsAServerSpanPerApiCallWithoutTokens() throws InterruptedException {
    Throwable thrown =
        catchThrowable(
            () ->
                auth.getConnection(
                    GetConnectionRequest.newBuilder().setName(connectionName("nope")).build()));
    assertError(thrown, Status.Code.NOT_FOUND, "CONNECTION_NOT_FOUND");

    SpanData span = spans.next();
    assertThat(span)
        .hasName(AUTH_SERVICE + "/GetConnection")
        .hasKind(SpanKind.SERVER)
        .hasAttribute(AttributeKey.stringKey("rpc.system"), "grpc")
        .hasAttribute(AttributeKey.longKey("rpc.grpc.status_code"), 5L);

    gateway.connect(auth, "main");
    AccessToken token = auth.getAccessToken(accessToken("main"));
    List<SpanData> later = List.of(spans.next(), spans.next(), spans.next());
    assertThat(later)
        .extracting(SpanData::getName)
        .containsExactlyInAnyOrder(
            AUTH_SERVICE + "/StartAuthorization",
            AUTH_SERVICE + "/CompleteAuthorization",
            AUTH_SERVICE + "/GetAccessToken");
    assertThat(later)
        .allSatisfy(
            s ->
                assertThat(s.getAttributes().asMap().values().toString())
                    .doesNotContain(token.getAccessToken()));
  }

  @Test
  void shutdownTurnsHealthNotServingThenStops() throws Exception {
    HealthWatch watch = HealthWatch.start(channel);
    assertThat(watch.next()).isEqualTo(ServingStatus.SERVING);

    Future<?> stopping = background.submit(server::shutdown);

    assertThat(watch.next()).isEqualTo(ServingStatus.NOT_SERVING);
    // The watch is itself a call in flight; a client that sees NOT_SERVING goes away.
    watch.cancel();
    stopping.get(WAIT_SECONDS, TimeUnit.SECONDS);
    Throwable afterwards =
        catchThrowable(
            () ->
                HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()));
    assertThat(afterwards).isInstanceOf(StatusRuntimeException.class);
    assertThat(Status.fromThrowable(afterwards).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    server.shutdown(); // idempotent
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shutdownLetsAnInFlightCallFinish() throws Exception {
    gateway.connect(auth, "main");
    gateway.clock.advance(Duration.ofMinutes(15)); // the next GetAccessToken must refresh
    gateway.coze.holdRefreshes();
    HealthWatch watch = HealthWatch.start(channel);
    assertThat(watch.next()).isEqualTo(ServingStatus.SERVING);

    ListenableFuture<AccessToken> inFlight =
        AuthServiceGrpc.newFutureStub(channel).getAccessToken(accessToken("main"));
    assertThat(gateway.refreshStarted.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    Future<?> stopping = background.submit(server::shutdown);
    assertThat(watch.next()).isEqualTo(ServingStatus.NOT_SERVING);
    watch.cancel();

    assertThat(stopping).isNotDone();
    assertThat(inFlight).isNotDone();
    gateway.coze.openRefreshGate();

    AccessToken token = inFlight.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(token.getAccessToken()).startsWith("czu_access_");
    assertThat(ProtoMapping.toInstant(token.getExpireTime()))
        .isEqualTo(gateway.clock.instant().plus(Duration.ofMinutes(15)));
    stopping.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void shutdownOutlastsTheHandlersOfCallsItHadToCancel() throws Exception {
    GrpcServer quick =
        new GrpcServer(
            new GrpcConfig("127.0.0.1", 0, Duration.ofMillis(50)),
            List.of(gateway.authService(gateway.useCases())),
            OpenTelemetrySdk.builder().build());
    quick.start();
    ManagedChannel quickChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", quick.port()).usePlaintext().build();
    try {
      gateway.connect(AuthServiceGrpc.newBlockingStub(quickChannel), "main");
      gateway.clock.advance(Duration.ofMinutes(15));
      gateway.coze.holdRefreshes();
      ListenableFuture<AccessToken> inFlight =
          AuthServiceGrpc.newFutureStub(quickChannel).getAccessToken(accessToken("main"));
      assertThat(gateway.refreshStarted.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

      Future<?> stopping = background.submit(quick::shutdown);

      // The drain runs out and the call is cancelled, but its handler still waits on Coze, and
      // whatever closes after the server (the store) must outlive it.
      Throwable cancelled = catchThrowable(() -> inFlight.get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertThat(Status.fromThrowable(cancelled).getCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(stopping).isNotDone();
      gateway.coze.openRefreshGate();
      stopping.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(gateway.coze.successfulRefreshes()).isEqualTo(1);
    } finally {
      quickChannel.shutdownNow();
    }
  }

  @Test
  void portIsKnownOnlyOnceStartedAndStartHappensOnce() {
    assertThat(server.port()).isPositive();
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);

    GrpcServer fresh =
        new GrpcServer(
            new GrpcConfig("127.0.0.1", 0, Duration.ZERO),
            List.of(),
            OpenTelemetrySdk.builder().build());
    assertThatThrownBy(fresh::port).isInstanceOf(IllegalStateException.class);
    fresh.shutdown(); // before start: nothing to stop
    assertThatThrownBy(fresh::start).isInstanceOf(IllegalStateException.class);
  }

  private static GetAccessTokenRequest accessToken(String connectionId) {
    return GetAccessTokenRequest.newBuilder().setConnection(connectionName(connectionId)).build();
  }

  /** Hands the first response (or the failure) to callbacks. */
  @Test
  void shutdownEndsAnOpenAuthorizationWatchWithUnavailableInsteadOfHoldingTheDrain()
      throws Exception {
    Authorization started =
        auth.startDeviceAuthorization(
            StartDeviceAuthorizationRequest.newBuilder()
                .setParent(TestGateway.TENANT)
                .setApp(TestGateway.DEVICE_APP)
                .setConnectionId("tv")
                .setSubject("user-tv")
                .build());
    BlockingQueue<Authorization> views = new LinkedBlockingQueue<>();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    AuthServiceGrpc.newStub(channel)
        .watchAuthorization(
            WatchAuthorizationRequest.newBuilder().setName(started.getName()).build(),
            new Collecting<Authorization>(views::add, ended::complete));
    assertThat(views.poll(WAIT_SECONDS, TimeUnit.SECONDS).getState())
        .isEqualTo(Authorization.State.PENDING);

    long stopping = System.nanoTime();
    server.shutdown();

    // The drain timeout is 30 s; the watch waits on nothing in flight, so it does not hold it.
    assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(5));
    assertError(
        ended.get(WAIT_SECONDS, TimeUnit.SECONDS), Status.Code.UNAVAILABLE, "SHUTTING_DOWN");
  }

  private static final class Collecting<T> implements StreamObserver<T> {
    private final java.util.function.Consumer<T> onResponse;
    private final java.util.function.Consumer<Throwable> onFailure;

    Collecting(
        java.util.function.Consumer<T> onResponse,
        java.util.function.Consumer<Throwable> onFailure) {
      this.onResponse = onResponse;
      this.onFailure = onFailure;
    }

    @Override
    public void onNext(T value) {
      onResponse.accept(value);
    }

    @Override
    public void onError(Throwable t) {
      onFailure.accept(t);
    }

    @Override
    public void onCompleted() {}
  }

  /** A {@code grpc.health.v1.Health/Watch} of the whole server. */
  private static final class HealthWatch
      implements ClientResponseObserver<HealthCheckRequest, HealthCheckResponse> {
    private final BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    private volatile ClientCallStreamObserver<HealthCheckRequest> call;

    static HealthWatch start(ManagedChannel channel) {
      HealthWatch watch = new HealthWatch();
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), watch);
      return watch;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(HealthCheckResponse response) {
      statuses.add(response.getStatus());
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    ServingStatus next() throws InterruptedException {
      ServingStatus status = statuses.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(status).as("a health update within %d s", WAIT_SECONDS).isNotNull();
      return status;
    }

    void cancel() {
      call.cancel("done watching", null);
    }
  }

  /** Collects ended spans as they end, so a test can wait for one without sleeping. */
  private static final class SpanCollector implements SpanProcessor {
    private final BlockingQueue<SpanData> ended = new LinkedBlockingQueue<>();

    SpanData next() throws InterruptedException {
      SpanData span = ended.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(span).as("a span within %d s", WAIT_SECONDS).isNotNull();
      return span;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      ended.add(span.toSpanData());
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }
}
