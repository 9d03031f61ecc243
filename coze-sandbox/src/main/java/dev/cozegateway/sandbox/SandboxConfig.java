package dev.cozegateway.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How to start a {@link CozeSandbox}. Immutable; start from {@link #defaults()} or {@link
 * #demo(int)} and adjust with the {@code with…} methods.
 *
 * @param port the loopback port to bind; 0 picks a free one
 * @param apps the registered apps; client ids must be unique
 * @param accessTokenLifetime how long access tokens live (Coze: 15 minutes)
 * @param refreshTokenLifetime how long refresh tokens live from issue (Coze: 30 days); a rotated
 *     token gets a fresh lifetime (the safe assumption of §7)
 * @param autoApprove whether the consent page approves at once instead of asking
 * @param clock the time source for every expiry; keep a reference to advance it
 * @param workflows the workflows the workflow endpoints serve (§4); ids must be unique
 * @param asyncRunsAllowed whether {@code is_async} runs are allowed; {@code false} simulates a free
 *     plan, which answers them with 6003
 */
public record SandboxConfig(
    int port,
    List<SandboxApp> apps,
    Duration accessTokenLifetime,
    Duration refreshTokenLifetime,
    boolean autoApprove,
    SandboxClock clock,
    List<SandboxWorkflow> workflows,
    boolean asyncRunsAllowed) {

  /** Coze's default access-token lifetime (§3.3). */
  public static final Duration DEFAULT_ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(15);

  /** Coze's refresh-token lifetime (§3.1). */
  public static final Duration DEFAULT_REFRESH_TOKEN_LIFETIME = Duration.ofDays(30);

  /** Client id of the demo's web backend app. */
  public static final String DEMO_WEB_CLIENT_ID = "13909538999980701726463194372764.app.coze";

  /**
   * Client secret of the demo's web backend app. Public on purpose: it only opens the local
   * sandbox.
   */
  public static final String DEMO_WEB_CLIENT_SECRET =
      "czvVEcB0zgrAhSbqFqPhxZz3foG9rGYeLiqPJQMGOEamek8r";

  /** Client id of the demo's PKCE (public) app. */
  public static final String DEMO_PKCE_CLIENT_ID = "68786240876140875926270031922180.app.coze";

  /**
   * The redirect URIs both demo apps register by default: a gateway callback on port 8080, by IP
   * and by name, since a redirect URI must match exactly.
   */
  public static final List<String> DEMO_REDIRECT_URIS =
      List.of("http://127.0.0.1:8080/oauth/callback", "http://localhost:8080/oauth/callback");

  public SandboxConfig {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    apps = List.copyOf(Objects.requireNonNull(apps, "apps"));
    Set<String> clientIds = new HashSet<>();
    for (SandboxApp app : apps) {
      if (!clientIds.add(app.clientId())) {
        throw new IllegalArgumentException("duplicate client id: " + app.clientId());
      }
    }
    requirePositive(accessTokenLifetime, "accessTokenLifetime");
    requirePositive(refreshTokenLifetime, "refreshTokenLifetime");
    Objects.requireNonNull(clock, "clock");
    workflows = List.copyOf(Objects.requireNonNull(workflows, "workflows"));
    Set<String> workflowIds = new HashSet<>();
    for (SandboxWorkflow workflow : workflows) {
      if (!workflowIds.add(workflow.id())) {
        throw new IllegalArgumentException("duplicate workflow id: " + workflow.id());
      }
    }
  }

  /**
   * Any free port, no apps, no workflows, async runs allowed, Coze's lifetimes, consent asked for,
   * and a fresh clock on system time.
   */
  public static SandboxConfig defaults() {
    return new SandboxConfig(
        0,
        List.of(),
        DEFAULT_ACCESS_TOKEN_LIFETIME,
        DEFAULT_REFRESH_TOKEN_LIFETIME,
        false,
        new SandboxClock(),
        List.of(),
        true);
  }

  /**
   * The built-in demo workflows, one of each kind, loaded from the classpath resource {@code
   * dev/cozegateway/sandbox/demo-workflows.json} (ids {@code 7431000000000000001} to {@code …07}).
   */
  public static List<SandboxWorkflow> demoWorkflows() {
    return WorkflowFile.builtIn();
  }

  /**
   * The demo setup: {@link #defaults()} on {@code port} with one web app ({@link
   * #DEMO_WEB_CLIENT_ID}, {@link #DEMO_WEB_CLIENT_SECRET}) and one PKCE app ({@link
   * #DEMO_PKCE_CLIENT_ID}), both registering {@link #DEMO_REDIRECT_URIS}, and the {@link
   * #demoWorkflows()}.
   */
  public static SandboxConfig demo(int port) {
    return demo(port, DEMO_REDIRECT_URIS);
  }

  /** {@link #demo(int)} with other redirect URIs (1 to 3), e.g. the gateway's real callback. */
  public static SandboxConfig demo(int port, List<String> redirectUris) {
    return defaults()
        .withPort(port)
        .withApps(
            List.of(
                new SandboxApp(
                    DEMO_WEB_CLIENT_ID, SandboxApp.WEB, DEMO_WEB_CLIENT_SECRET, redirectUris),
                new SandboxApp(DEMO_PKCE_CLIENT_ID, SandboxApp.PKCE, null, redirectUris)))
        .withWorkflows(demoWorkflows());
  }

  /** This config on another port. */
  public SandboxConfig withPort(int newPort) {
    return new SandboxConfig(
        newPort,
        apps,
        accessTokenLifetime,
        refreshTokenLifetime,
        autoApprove,
        clock,
        workflows,
        asyncRunsAllowed);
  }

  /** This config with exactly these apps. */
  public SandboxConfig withApps(List<SandboxApp> newApps) {
    return new SandboxConfig(
        port,
        newApps,
        accessTokenLifetime,
        refreshTokenLifetime,
        autoApprove,
        clock,
        workflows,
        asyncRunsAllowed);
  }

  /** This config with one more app. */
  public SandboxConfig withApp(SandboxApp app) {
    List<SandboxApp> more = new ArrayList<>(apps);
    more.add(Objects.requireNonNull(app, "app"));
    return withApps(more);
  }

  /** This config with another access-token lifetime. */
  public SandboxConfig withAccessTokenLifetime(Duration lifetime) {
    return new SandboxConfig(
        port,
        apps,
        lifetime,
        refreshTokenLifetime,
        autoApprove,
        clock,
        workflows,
        asyncRunsAllowed);
  }

  /** This config with another refresh-token lifetime. */
  public SandboxConfig withRefreshTokenLifetime(Duration lifetime) {
    return new SandboxConfig(
        port, apps, accessTokenLifetime, lifetime, autoApprove, clock, workflows, asyncRunsAllowed);
  }

  /** This config with auto-approve on or off. */
  public SandboxConfig withAutoApprove(boolean enabled) {
    return new SandboxConfig(
        port,
        apps,
        accessTokenLifetime,
        refreshTokenLifetime,
        enabled,
        clock,
        workflows,
        asyncRunsAllowed);
  }

  /** This config with another clock. */
  public SandboxConfig withClock(SandboxClock newClock) {
    return new SandboxConfig(
        port,
        apps,
        accessTokenLifetime,
        refreshTokenLifetime,
        autoApprove,
        newClock,
        workflows,
        asyncRunsAllowed);
  }

  /** This config with exactly these workflows. */
  public SandboxConfig withWorkflows(List<SandboxWorkflow> newWorkflows) {
    return new SandboxConfig(
        port,
        apps,
        accessTokenLifetime,
        refreshTokenLifetime,
        autoApprove,
        clock,
        newWorkflows,
        asyncRunsAllowed);
  }

  /** This config with one more workflow. */
  public SandboxConfig withWorkflow(SandboxWorkflow workflow) {
    List<SandboxWorkflow> more = new ArrayList<>(workflows);
    more.add(Objects.requireNonNull(workflow, "workflow"));
    return withWorkflows(more);
  }

  /**
   * This config with exactly the workflows in a workflow file, read now. The file is JSON: {@code
   * {"workflows": [{"id": "7431000000000000001", "name": "echo", "kind": "echo"}, …]}}; kinds and
   * their keys are {@code echo}; {@code stream} ({@code messages}, {@code delay_ms}, {@code
   * ping_ms}); {@code question} ({@code question}, {@code expected_answer}); {@code fail} ({@code
   * error_code}, {@code error_message}); {@code slow} ({@code duration_ms}, {@code ping_ms});
   * {@code large} ({@code output_bytes}).
   *
   * @throws java.io.UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it is not a valid workflow file; the message names the file
   *     and the entry
   */
  public SandboxConfig withWorkflowFile(Path file) {
    return withWorkflows(WorkflowFile.read(Objects.requireNonNull(file, "file")));
  }

  /** This config with async runs allowed, or answered with 6003 as on a free plan. */
  public SandboxConfig withAsyncRunsAllowed(boolean allowed) {
    return new SandboxConfig(
        port,
        apps,
        accessTokenLifetime,
        refreshTokenLifetime,
        autoApprove,
        clock,
        workflows,
        allowed);
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
