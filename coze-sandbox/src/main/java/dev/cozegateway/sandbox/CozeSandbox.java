package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local fake of Coze's OAuth HTTP API (web and PKCE apps) and workflow API, following {@code
 * coze-api.md}.
 *
 * <p>It binds {@code 127.0.0.1} only and serves the browser pages and the API on one origin, as a
 * Coze base URL without {@code api.} does (§1). Endpoints:
 *
 * <ul>
 *   <li>{@code GET /api/permission/oauth2/authorize} and {@code GET
 *       /api/permission/oauth2/workspace_id/{id}/authorize}: validate, then 302 to the consent page
 *   <li>{@code GET /oauth/consent?authorize_key=…}: Approve / Deny page, or an immediate 302 back
 *       with a code when auto-approve is on; {@code POST /oauth/consent} records the decision
 *   <li>{@code POST /api/permission/oauth2/token}: {@code authorization_code} and {@code
 *       refresh_token} (rotating, single use), JSON bodies only
 *   <li>{@code POST /v1/workflow/run} (sync, or async with {@code is_async}), {@code POST
 *       /v1/workflow/stream_run}, {@code POST /v1/workflow/stream_resume}, {@code POST
 *       /v1/workflows/resume} and {@code GET /v1/workflows/{id}/run_histories/{execute_id}}: the
 *       configured {@link SandboxWorkflow}s, for access tokens issued here and still valid on the
 *       sandbox clock (else 4100)
 *   <li>{@code /_sandbox/…}: the test control surface (auto-approve, clock, token expiry, stats,
 *       refresh tokens, holding refresh requests; workflow list, forced errors, async switch,
 *       workflow stats and stream disconnects)
 * </ul>
 *
 * <p>Workflow timing: a sync run waits its workflow's delays in wall time before answering, and a
 * stream run sends its events with those delays. An async run answers at once and its run history
 * shows {@code Running} until its delays have passed <em>on the sandbox clock</em>, so a test
 * advances {@link #clock()} instead of waiting (with the default clock on system time, that is wall
 * time too). A stream client that disconnects is noticed when the next event or {@code PING} fails
 * to write, and recorded in {@link #streamDisconnects()}.
 *
 * <p>Every response carries {@code X-Tt-Logid}. All state lives in memory and dies with the
 * instance. Thread-safe; {@link #close()} stops the server and is idempotent.
 */
public final class CozeSandbox implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CozeSandbox.class);
  private static final String OAUTH = "/api/permission/oauth2";

  private final HttpServer server;
  private final ExecutorService executor;
  private final URI baseUrl;
  private final SandboxClock clock;
  private final AtomicBoolean autoApprove;
  private final IssuedTokens tokens;
  private final RefreshHold refreshHold = new RefreshHold();
  private final WorkflowHooks workflowHooks;
  private final WorkflowRuns workflowRuns;
  private final AtomicBoolean closed = new AtomicBoolean();

  private CozeSandbox(HttpServer server, ExecutorService executor, SandboxConfig config) {
    this.server = server;
    this.executor = executor;
    this.baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    this.clock = config.clock();
    this.autoApprove = new AtomicBoolean(config.autoApprove());

    RandomTokens random = new RandomTokens();
    Map<String, SandboxApp> apps =
        config.apps().stream()
            .collect(Collectors.toUnmodifiableMap(SandboxApp::clientId, Function.identity()));
    Authorizations authorizations = new Authorizations(clock, random);
    this.tokens =
        new IssuedTokens(
            clock, random, config.accessTokenLifetime(), config.refreshTokenLifetime());
    ClientAuthentication clients = new ClientAuthentication(apps);

    AuthorizeEndpoint authorize = new AuthorizeEndpoint(apps, authorizations, baseUrl.toString());
    ConsentEndpoint consent = new ConsentEndpoint(authorizations, autoApprove);
    TokenEndpoint token =
        new TokenEndpoint(
            List.of(
                new AuthorizationCodeGrant(clients, authorizations, tokens),
                new RefreshTokenGrant(clients, tokens)),
            refreshHold);
    ObjectMapper json = new ObjectMapper();
    this.workflowHooks = new WorkflowHooks(config.asyncRunsAllowed());
    this.workflowRuns = new WorkflowRuns(clock, random);
    Map<String, SandboxWorkflow> workflows =
        config.workflows().stream()
            .collect(Collectors.toUnmodifiableMap(SandboxWorkflow::id, Function.identity()));
    WorkflowEndpoint workflow =
        new WorkflowEndpoint(
            workflows, tokens, workflowRuns, workflowHooks, clock, json, baseUrl.toString());
    ControlEndpoint control =
        new ControlEndpoint(
            clock,
            autoApprove,
            tokens,
            refreshHold,
            config.workflows(),
            workflowHooks,
            workflowRuns);

    Router router =
        new Router(json, random, clock)
            .route("GET", OAUTH + "/authorize", (ex, path) -> authorize.handle(ex, null))
            .route(
                "GET",
                OAUTH + "/workspace_id/([^/]+)/authorize",
                (ex, path) -> authorize.handle(ex, path.group(1)))
            .route("GET", ConsentEndpoint.PATH, (ex, path) -> consent.show(ex))
            .route("POST", ConsentEndpoint.PATH, (ex, path) -> consent.decide(ex))
            .route("POST", OAUTH + "/token", (ex, path) -> token.handle(ex))
            .route("POST", "/v1/workflow/run", (ex, path) -> workflow.run(ex))
            .route("POST", "/v1/workflow/stream_run", (ex, path) -> workflow.streamRun(ex))
            .route("POST", "/v1/workflow/stream_resume", (ex, path) -> workflow.streamResume(ex))
            .route("POST", "/v1/workflows/resume", (ex, path) -> workflow.resume(ex))
            .route(
                "GET",
                "/v1/workflows/([^/]+)/run_histories/([^/]+)",
                (ex, path) -> workflow.history(ex, path.group(1), path.group(2)))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "auto-approve",
                (ex, path) -> control.setAutoApprove(ex))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "clock/advance",
                (ex, path) -> control.advanceClock(ex))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "tokens/expire",
                (ex, path) -> control.expireAccessTokens(ex))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "refreshes/hold",
                (ex, path) -> control.holdRefreshes(ex))
            .route("GET", ControlEndpoint.PREFIX + "stats", (ex, path) -> control.stats(ex))
            .route(
                "GET",
                ControlEndpoint.PREFIX + "refresh-tokens",
                (ex, path) -> control.refreshTokens(ex))
            .route("GET", ControlEndpoint.PREFIX + "workflows", (ex, path) -> control.workflows(ex))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "workflows/force-error",
                (ex, path) -> control.forceWorkflowErrors(ex))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "workflows/force-stream-error",
                (ex, path) -> control.forceStreamError(ex))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "workflows/async",
                (ex, path) -> control.setAsyncRunsAllowed(ex))
            .route(
                "GET",
                ControlEndpoint.PREFIX + "workflows/stats",
                (ex, path) -> control.workflowStats(ex));
    server.createContext("/", router);
  }

  /**
   * Starts a sandbox on {@code 127.0.0.1:config.port()}.
   *
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static CozeSandbox start(SandboxConfig config) {
    InetSocketAddress address =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port());
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the Coze sandbox to " + address, e);
    }
    // A cached pool, not the JDK's single dispatcher thread: concurrent refreshes must really
    // race, or the rotation guarantee is never exercised.
    ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
    server.setExecutor(executor);
    CozeSandbox sandbox = new CozeSandbox(server, executor, config);
    server.start();
    log.info("Coze sandbox listening on {} with {} app(s)", sandbox.baseUrl, config.apps().size());
    return sandbox;
  }

  /** The origin of both the API and the browser pages, e.g. {@code http://127.0.0.1:54321}. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The bound port (the real one when the config asked for 0). */
  public int port() {
    return baseUrl.getPort();
  }

  /** The clock behind every expiry; advance it to expire codes and tokens. */
  public SandboxClock clock() {
    return clock;
  }

  /** Turns auto-approve on (the consent page approves at once) or off (it asks). */
  public void setAutoApprove(boolean enabled) {
    autoApprove.set(enabled);
  }

  /** The token-endpoint counters so far. */
  public SandboxStats stats() {
    return tokens.stats();
  }

  /** Every refresh token issued so far, oldest first, with its state and attempt count. */
  public List<RefreshTokenInfo> refreshTokens() {
    return tokens.refreshTokens();
  }

  /**
   * Expires every access token issued so far, as if their lifetime had run out. Refresh tokens are
   * untouched, so a client can recover by refreshing.
   */
  public void expireAccessTokens() {
    tokens.expireAccessTokens();
  }

  /**
   * Whether {@code accessToken} was issued here and has not expired: what a Coze business API would
   * accept.
   */
  public boolean isAccessTokenValid(String accessToken) {
    return tokens.isAccessTokenValid(accessToken);
  }

  /**
   * Test hook: from now on, {@code refresh_token} grant requests wait before they are processed
   * (before the refresh token is looked up or rotated), until {@link #releaseHeldRefreshes()} or
   * {@link #dropHeldRefreshes()}. Idempotent.
   */
  public void holdRefreshes() {
    refreshHold.hold();
  }

  /** Ends the hold; the held refresh requests are then processed as usual. */
  public void releaseHeldRefreshes() {
    refreshHold.release(false);
  }

  /**
   * Ends the hold; each held refresh request closes its connection with no response and without
   * being processed, as if it had never reached Coze. Its refresh token stays redeemable.
   */
  public void dropHeldRefreshes() {
    refreshHold.release(true);
  }

  /** How many refresh requests are being held right now. */
  public int heldRefreshes() {
    return refreshHold.held();
  }

  /**
   * Test hook: the next {@code times} calls to any workflow endpoint answer the business error
   * {@code code} (e.g. 4100, 4009, 5000) before anything else is checked, with §2.3's message where
   * known. Replaces an earlier setting; {@code times} 0 disarms.
   *
   * @throws IllegalArgumentException if {@code code} is 0 or {@code times} negative
   */
  public void forceWorkflowErrors(int code, int times) {
    if (code == 0 || times < 0) {
      throw new IllegalArgumentException("need a non-zero code and times >= 0");
    }
    workflowHooks.forceErrors(code, times);
  }

  /**
   * Test hook: the next stream run or stream resume sends an in-stream {@code Error} event {@code
   * {"error_code": code, "error_message": message}} once {@code afterEvents} events went out (at
   * the latest in place of its final event), and ends there; the run then shows {@code Fail}.
   * Replaces an armed one.
   *
   * @throws IllegalArgumentException if {@code code} is 0 or {@code afterEvents} negative
   */
  public void forceStreamError(int code, String message, int afterEvents) {
    if (code == 0 || afterEvents < 0) {
      throw new IllegalArgumentException("need a non-zero code and afterEvents >= 0");
    }
    workflowHooks.forceStreamError(
        new WorkflowHooks.StreamError(
            code, message == null ? BusinessException.defaultMessage(code) : message, afterEvents));
  }

  /** Allows {@code is_async} runs, or answers them with 6003 as on a free plan. */
  public void setAsyncRunsAllowed(boolean allowed) {
    workflowHooks.setAsyncAllowed(allowed);
  }

  /** The workflow-endpoint counters so far. */
  public WorkflowStats workflowStats() {
    return workflowRuns.stats();
  }

  /** Every workflow stream whose client went away before its last event, oldest first. */
  public List<StreamDisconnect> streamDisconnects() {
    return workflowRuns.disconnects();
  }

  /** Stops the server at once; in-flight requests may fail. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Held requests would otherwise keep their threads until the executor is forced down.
    refreshHold.release(true);
    server.stop(0);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("Coze sandbox on {} stopped", baseUrl);
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "coze-sandbox-http-" + count.incrementAndGet());
      // A test that forgets close() must not keep the JVM alive.
      thread.setDaemon(true);
      return thread;
    };
  }
}
