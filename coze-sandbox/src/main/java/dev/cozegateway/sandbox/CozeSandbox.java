package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 * A local fake of Coze's OAuth HTTP API (web, PKCE, device and JWT apps) and workflow API,
 * following {@code coze-api.md}.
 *
 * <p>It binds {@code 127.0.0.1} only and serves the browser pages and the API on one origin, as a
 * Coze base URL without {@code api.} does (§1). Endpoints:
 *
 * <ul>
 *   <li>{@code GET /api/permission/oauth2/authorize} and {@code GET
 *       /api/permission/oauth2/workspace_id/{id}/authorize}: validate, then 302 to the consent page
 *   <li>{@code GET /oauth/consent?authorize_key=…}: Approve / Deny page, or an immediate 302 back
 *       with a code when auto-approve is on; {@code POST /oauth/consent} records the decision
 *   <li>{@code POST /api/permission/oauth2/token}: {@code authorization_code}, {@code
 *       refresh_token} (rotating, single use), the device-code poll and the JWT bearer grant, JSON
 *       bodies only; {@code POST /api/permission/oauth2/account/{id}/token} and {@code
 *       /enterprise_id/{id}/token}: the JWT bearer grant only, recording which (§3.7)
 *   <li>{@code POST /api/permission/oauth2/device/code} and {@code /workspace_id/{id}/device/code}:
 *       device and user codes (§3.8); {@code GET /oauth/device} is the verification page, {@code
 *       POST /oauth/device} its approve / deny form
 *   <li>{@code POST /v1/workflow/run} (sync, or async with {@code is_async}), {@code POST
 *       /v1/workflow/stream_run}, {@code POST /v1/workflow/stream_resume}, {@code POST
 *       /v1/workflows/resume} and {@code GET /v1/workflows/{id}/run_histories/{execute_id}}: the
 *       configured {@link SandboxWorkflow}s, for access tokens issued here and still valid on the
 *       sandbox clock (else 4100)
 *   <li>{@code /_sandbox/…}: the test control surface (auto-approve, clock, token expiry, stats,
 *       refresh tokens, holding refresh requests; device approve / deny and device codes; JWT
 *       tokens; workflow list, forced errors, async switch, workflow stats and stream disconnects)
 * </ul>
 *
 * <p>Workflow timing: a sync run waits its workflow's delays in wall time before answering, and a
 * stream run sends its events with those delays. An async run answers at once and its run history
 * shows {@code Running} until its delays have passed <em>on the sandbox clock</em>, so a test
 * advances {@link #clock()} instead of waiting (with the default clock on system time, that is wall
 * time too). A stream client that disconnects is noticed when the next event or {@code PING} fails
 * to write, and recorded in {@link #streamDisconnects()}.
 *
 * <p>Regions: the sandbox presents one region ({@link SandboxConfig#region()}); apps registered
 * only for the other one do not exist here, so their client ids are {@code invalid_client}, their
 * JWT keys {@code invalid jwt: kid not been registred} (401), and a token minted by a sandbox of
 * the other region is, like any foreign token, 4100 on the workflow endpoints (§5.1).
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
  private final String region;
  private final Authorizations authorizations;
  private final IssuedTokens tokens;
  private final DeviceCodes deviceCodes;
  private final DeviceCodeEndpoint deviceCodeEndpoint;
  private final JwtBearerGrant jwtGrant;
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
    this.region = config.region();

    RandomTokens random = new RandomTokens();
    // Apps registered only for the other region do not exist here (§5.1).
    List<SandboxApp> regional =
        config.apps().stream().filter(app -> app.registeredIn(region)).toList();
    Map<String, SandboxApp> apps =
        regional.stream()
            .collect(Collectors.toUnmodifiableMap(SandboxApp::clientId, Function.identity()));
    Map<String, SandboxApp> appsByKeyId =
        regional.stream()
            .filter(app -> SandboxApp.JWT.equals(app.type()))
            .collect(Collectors.toUnmodifiableMap(SandboxApp::keyId, Function.identity()));
    this.authorizations = new Authorizations(clock, random);
    this.tokens =
        new IssuedTokens(
            clock, random, config.accessTokenLifetime(), config.refreshTokenLifetime());
    ClientAuthentication clients = new ClientAuthentication(apps);
    this.deviceCodes =
        new DeviceCodes(
            clock,
            InstantSource.system(),
            random,
            config.deviceCodeLifetime(),
            config.devicePollInterval());
    this.deviceCodeEndpoint = new DeviceCodeEndpoint(clients, deviceCodes, baseUrl.toString());
    ObjectMapper json = new ObjectMapper();
    this.jwtGrant = new JwtBearerGrant(appsByKeyId, audiences(), clock, tokens, json);

    AuthorizeEndpoint authorize = new AuthorizeEndpoint(apps, authorizations, baseUrl.toString());
    ConsentEndpoint consent = new ConsentEndpoint(authorizations, autoApprove);
    TokenEndpoint token =
        new TokenEndpoint(
            List.of(
                new AuthorizationCodeGrant(clients, authorizations, tokens),
                new RefreshTokenGrant(clients, tokens),
                new DeviceCodeGrant(clients, deviceCodes, tokens),
                jwtGrant),
            refreshHold);
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
            workflowRuns,
            deviceCodeEndpoint,
            deviceCodes,
            jwtGrant);

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
            .route(
                "POST",
                OAUTH + "/account/([^/]+)/token",
                (ex, path) -> token.handle(ex, path.group(1), null))
            .route(
                "POST",
                OAUTH + "/enterprise_id/([^/]+)/token",
                (ex, path) -> token.handle(ex, null, path.group(1)))
            .route("POST", OAUTH + "/device/code", (ex, path) -> deviceCodeEndpoint.issue(ex, null))
            .route(
                "POST",
                OAUTH + "/workspace_id/([^/]+)/device/code",
                (ex, path) -> deviceCodeEndpoint.issue(ex, path.group(1)))
            .route("GET", DeviceCodeEndpoint.PAGE_PATH, (ex, path) -> deviceCodeEndpoint.show(ex))
            .route(
                "POST", DeviceCodeEndpoint.PAGE_PATH, (ex, path) -> deviceCodeEndpoint.decide(ex))
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
                "POST",
                ControlEndpoint.PREFIX + "device/approve",
                (ex, path) -> control.decideDevice(ex, true))
            .route(
                "POST",
                ControlEndpoint.PREFIX + "device/deny",
                (ex, path) -> control.decideDevice(ex, false))
            .route(
                "GET",
                ControlEndpoint.PREFIX + "device/codes",
                (ex, path) -> control.deviceCodes(ex))
            .route(
                "GET", ControlEndpoint.PREFIX + "jwt/tokens", (ex, path) -> control.jwtTokens(ex))
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

  /**
   * The region this sandbox presents, {@value SandboxConfig#COZE_COM} or {@value
   * SandboxConfig#COZE_CN}.
   */
  public String region() {
    return region;
  }

  /**
   * The {@code aud} a JWT for this sandbox should carry: {@code 127.0.0.1:<port>}, the host (with
   * port) of {@link #baseUrl()}, as Python and Go derive it from the base URL (§3.7); Coze's own is
   * {@code api.coze.cn} or {@code api.coze.com}, a host.
   *
   * <p>Also accepted, so that every official client's way of deriving it works: the host without
   * the port (Java's {@code URL.getHost()}), {@code localhost} with or without the port (the same
   * server by name), and {@code api.<region>} of the region this sandbox presents. The other
   * region's API host is refused (401 {@code invalid_client}).
   */
  public String jwtAudience() {
    return baseUrl.getHost() + ":" + baseUrl.getPort();
  }

  /** Turns auto-approve on (the consent page approves at once) or off (it asks). */
  public void setAutoApprove(boolean enabled) {
    autoApprove.set(enabled);
  }

  /** The token-endpoint counters so far. */
  public SandboxStats stats() {
    return tokens.stats();
  }

  /**
   * The workspace id of every authorize request approved on the workspace-scoped URL ({@code
   * /workspace_id/{id}/authorize}) so far, oldest first; plain-URL approvals are not listed.
   */
  public List<String> approvedWorkspaces() {
    return authorizations.approvedWorkspaces();
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
   * Approves the pending device request behind {@code userCode} (any case, hyphen optional), as the
   * user would on the verification page; the device's next poll in time gets tokens.
   *
   * @throws IllegalArgumentException if no pending request has this user code (unknown, expired or
   *     already decided)
   */
  public void approveDevice(String userCode) {
    decideDevice(userCode, true);
  }

  /**
   * Makes the next {@code polls} token polls of the device request behind {@code userCode} answer
   * {@code slow_down}, however they are spaced (a test hook: a well-behaved client is otherwise
   * never told to slow down).
   *
   * @throws IllegalArgumentException if no device request has this user code
   */
  public void forceDeviceSlowDown(String userCode, int polls) {
    if (!deviceCodes.forceSlowDown(userCode, polls)) {
      throw new IllegalArgumentException("no device request has this user code");
    }
  }

  /**
   * Denies the pending device request behind {@code userCode}; the device's polls then get {@code
   * access_denied}.
   *
   * @throws IllegalArgumentException if no pending request has this user code (unknown, expired or
   *     already decided)
   */
  public void denyDevice(String userCode) {
    decideDevice(userCode, false);
  }

  /**
   * The time of every token poll with {@code deviceCode} by its own client, oldest first, whatever
   * the answer ({@code slow_down} included). Times are on the <em>poll clock</em>: system time plus
   * {@link SandboxClock#offset()}, i.e. wall-clock instants shifted by the sandbox clock's
   * advances, so the differences between them are the client's real polling intervals even when the
   * sandbox clock is frozen. Expiry, by contrast, follows {@link #clock()}.
   *
   * @throws IllegalArgumentException if no such device code was issued
   */
  public List<Instant> devicePolls(String deviceCode) {
    return deviceCodes
        .find(deviceCode)
        .orElseThrow(() -> new IllegalArgumentException("no such device code"))
        .polls();
  }

  /** Every device code issued so far, oldest first, with its user code, state and polls. */
  public List<DeviceCodeInfo> deviceCodes() {
    return deviceCodes.all();
  }

  /** The JWT-grant counters so far: mints, rejections, reused-{@code jti} rejections. */
  public JwtStats jwtStats() {
    return jwtGrant.stats();
  }

  /** Every token issued for a JWT so far, oldest first. */
  public List<JwtTokenInfo> jwtTokens() {
    return jwtGrant.issued();
  }

  /**
   * The tokens issued for JWTs whose {@code session_name} was {@code sessionName} ({@code null}:
   * JWTs without one), oldest first.
   */
  public List<String> jwtTokensForSession(String sessionName) {
    return jwtGrant.issued().stream()
        .filter(info -> Objects.equals(info.sessionName(), sessionName))
        .map(JwtTokenInfo::accessToken)
        .toList();
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

  private void decideDevice(String userCode, boolean approve) {
    try {
      deviceCodeEndpoint.decide(Objects.requireNonNull(userCode, "userCode"), approve);
    } catch (OAuthException e) {
      throw new IllegalArgumentException("no pending device request has user code " + userCode, e);
    }
  }

  /** Every {@code aud} that names this sandbox; see {@link #jwtAudience()}. */
  private Set<String> audiences() {
    String host = baseUrl.getHost();
    int port = baseUrl.getPort();
    return Set.of(host + ":" + port, host, "localhost:" + port, "localhost", "api." + region);
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
