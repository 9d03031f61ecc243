package dev.cozegateway.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

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
 * @param region the Coze region the sandbox presents, {@value #COZE_COM} (the SDKs' default) or
 *     {@value #COZE_CN}: it knows only the apps registered there (§5.1) and accepts {@code
 *     api.<region>} as a JWT audience
 * @param deviceCodeLifetime how long a device code and its user code live (Coze: 300 s); sent as
 *     the device-code response's {@code expires_in}, a duration
 * @param devicePollInterval the minimum time between two polls with one device code (Coze: 5 s),
 *     whole seconds, at least one; sent as {@code interval}, and a faster poll gets {@code
 *     slow_down}
 */
public record SandboxConfig(
    int port,
    List<SandboxApp> apps,
    Duration accessTokenLifetime,
    Duration refreshTokenLifetime,
    boolean autoApprove,
    SandboxClock clock,
    List<SandboxWorkflow> workflows,
    boolean asyncRunsAllowed,
    String region,
    Duration deviceCodeLifetime,
    Duration devicePollInterval) {

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

  /** The region of {@code api.coze.com}, the default of every official SDK (§1). */
  public static final String COZE_COM = "coze.com";

  /** The region of {@code api.coze.cn}. */
  public static final String COZE_CN = "coze.cn";

  /** Every region an app or the sandbox can be in. */
  public static final List<String> REGIONS = List.of(COZE_COM, COZE_CN);

  /** Coze's default device-code and user-code lifetime (§3.8). */
  public static final Duration DEFAULT_DEVICE_CODE_LIFETIME = Duration.ofSeconds(300);

  /** Coze's default minimum device polling interval (§3.8). */
  public static final Duration DEFAULT_DEVICE_POLL_INTERVAL = Duration.ofSeconds(5);

  /** Client id of the demo's device-code app (public, no secret). */
  public static final String DEMO_DEVICE_CLIENT_ID = "47120985360215548903216795501348.app.coze";

  /** Client id of the demo's JWT service app; the {@code iss} of its JWTs. */
  public static final String DEMO_JWT_CLIENT_ID = "85213097446102376508814463922091.app.coze";

  /**
   * The {@code kid} of the demo JWT app's key: the unpadded base64url SHA-256 of its public key's
   * DER, a fingerprint like the console's public key id.
   */
  public static final String DEMO_JWT_KEY_ID = "oCSTMKgk0rs1J14SUYfW13wUfZwmUPnerYnYyt-RkLc";

  /**
   * Classpath resource (in this module's jar) holding the demo JWT app's RSA private key as PKCS#8
   * PEM ({@code -----BEGIN PRIVATE KEY-----}), the format every official SDK reads. Public on
   * purpose: it only opens the local sandbox. See {@link #demoJwtPrivateKeyPem()}.
   */
  public static final String DEMO_JWT_PRIVATE_KEY_RESOURCE =
      "dev/cozegateway/sandbox/demo-jwt-private-key.pem";

  /** Classpath resource holding the demo JWT app's public key as X.509 PEM. */
  public static final String DEMO_JWT_PUBLIC_KEY_RESOURCE =
      "dev/cozegateway/sandbox/demo-jwt-public-key.pem";

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
    Set<String> keyIds = new HashSet<>();
    for (SandboxApp app : apps) {
      if (app.keyId() != null && !keyIds.add(app.keyId())) {
        throw new IllegalArgumentException("duplicate JWT key id: " + app.keyId());
      }
    }
    if (!REGIONS.contains(region)) {
      throw new IllegalArgumentException("region must be one of " + REGIONS + ", got " + region);
    }
    requirePositive(deviceCodeLifetime, "deviceCodeLifetime");
    Objects.requireNonNull(devicePollInterval, "devicePollInterval");
    if (devicePollInterval.toMillis() < 1000 || devicePollInterval.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException(
          "devicePollInterval must be whole seconds, at least 1, got " + devicePollInterval);
    }
    Set<String> workflowIds = new HashSet<>();
    for (SandboxWorkflow workflow : workflows) {
      if (!workflowIds.add(workflow.id())) {
        throw new IllegalArgumentException("duplicate workflow id: " + workflow.id());
      }
    }
  }

  /**
   * Any free port, no apps, no workflows, async runs allowed, Coze's lifetimes and device timings,
   * consent asked for, region {@link #COZE_COM}, and a fresh clock on system time.
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
        true,
        COZE_COM,
        DEFAULT_DEVICE_CODE_LIFETIME,
        DEFAULT_DEVICE_POLL_INTERVAL);
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
   * #DEMO_PKCE_CLIENT_ID}), both registering {@link #DEMO_REDIRECT_URIS}, one device-code app
   * ({@link #DEMO_DEVICE_CLIENT_ID}), one JWT service app ({@link #DEMO_JWT_CLIENT_ID}, key id
   * {@link #DEMO_JWT_KEY_ID}, private key {@link #demoJwtPrivateKeyPem()}), all in whichever region
   * the sandbox presents, and the {@link #demoWorkflows()}.
   */
  public static SandboxConfig demo(int port) {
    return demo(port, DEMO_REDIRECT_URIS);
  }

  /**
   * {@link #demo(int)} with other redirect URIs (1 to 3) for the web and PKCE apps, e.g. the
   * gateway's real callback.
   */
  public static SandboxConfig demo(int port, List<String> redirectUris) {
    return defaults()
        .withPort(port)
        .withApps(
            List.of(
                new SandboxApp(
                    DEMO_WEB_CLIENT_ID, SandboxApp.WEB, DEMO_WEB_CLIENT_SECRET, redirectUris),
                new SandboxApp(DEMO_PKCE_CLIENT_ID, SandboxApp.PKCE, null, redirectUris),
                SandboxApp.device(DEMO_DEVICE_CLIENT_ID),
                SandboxApp.jwt(DEMO_JWT_CLIENT_ID, DEMO_JWT_KEY_ID, demoJwtPublicKeyPem())))
        .withWorkflows(demoWorkflows());
  }

  /** This config on another port. */
  public SandboxConfig withPort(int newPort) {
    return with(c -> c.port = newPort);
  }

  /** This config with exactly these apps. */
  public SandboxConfig withApps(List<SandboxApp> newApps) {
    return with(c -> c.apps = newApps);
  }

  /** This config with one more app. */
  public SandboxConfig withApp(SandboxApp app) {
    List<SandboxApp> more = new ArrayList<>(apps);
    more.add(Objects.requireNonNull(app, "app"));
    return withApps(more);
  }

  /** This config with another access-token lifetime. */
  public SandboxConfig withAccessTokenLifetime(Duration lifetime) {
    return with(c -> c.accessTokenLifetime = lifetime);
  }

  /** This config with another refresh-token lifetime. */
  public SandboxConfig withRefreshTokenLifetime(Duration lifetime) {
    return with(c -> c.refreshTokenLifetime = lifetime);
  }

  /** This config with auto-approve on or off. */
  public SandboxConfig withAutoApprove(boolean enabled) {
    return with(c -> c.autoApprove = enabled);
  }

  /** This config with another clock. */
  public SandboxConfig withClock(SandboxClock newClock) {
    return with(c -> c.clock = newClock);
  }

  /** This config with exactly these workflows. */
  public SandboxConfig withWorkflows(List<SandboxWorkflow> newWorkflows) {
    return with(c -> c.workflows = newWorkflows);
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
    return with(c -> c.asyncRunsAllowed = allowed);
  }

  /**
   * This config presenting another region, {@link #COZE_COM} or {@link #COZE_CN}: apps registered
   * only for the other one become unknown (§5.1).
   */
  public SandboxConfig withRegion(String newRegion) {
    return with(c -> c.region = newRegion);
  }

  /** This config with another device-code lifetime (the device response's {@code expires_in}). */
  public SandboxConfig withDeviceCodeLifetime(Duration lifetime) {
    return with(c -> c.deviceCodeLifetime = lifetime);
  }

  /** This config with another minimum device polling interval (whole seconds, at least one). */
  public SandboxConfig withDevicePollInterval(Duration interval) {
    return with(c -> c.devicePollInterval = interval);
  }

  /**
   * The demo JWT app's private key ({@link #DEMO_JWT_PRIVATE_KEY_RESOURCE}) as PKCS#8 PEM text, for
   * a demo gateway to sign its JWTs with.
   */
  public static String demoJwtPrivateKeyPem() {
    return resource(DEMO_JWT_PRIVATE_KEY_RESOURCE);
  }

  /** The demo JWT app's public key ({@link #DEMO_JWT_PUBLIC_KEY_RESOURCE}) as X.509 PEM text. */
  public static String demoJwtPublicKeyPem() {
    return resource(DEMO_JWT_PUBLIC_KEY_RESOURCE);
  }

  private static String resource(String name) {
    try (InputStream in = SandboxConfig.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read classpath resource " + name, e);
    }
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  private SandboxConfig with(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  /**
   * A configuration's components, open to change, for the withers: {@link #build()} is the one
   * place they call the canonical constructor, which validates.
   */
  private static final class Copy {
    int port;
    List<SandboxApp> apps;
    Duration accessTokenLifetime;
    Duration refreshTokenLifetime;
    boolean autoApprove;
    SandboxClock clock;
    List<SandboxWorkflow> workflows;
    boolean asyncRunsAllowed;
    String region;
    Duration deviceCodeLifetime;
    Duration devicePollInterval;

    Copy(SandboxConfig from) {
      port = from.port;
      apps = from.apps;
      accessTokenLifetime = from.accessTokenLifetime;
      refreshTokenLifetime = from.refreshTokenLifetime;
      autoApprove = from.autoApprove;
      clock = from.clock;
      workflows = from.workflows;
      asyncRunsAllowed = from.asyncRunsAllowed;
      region = from.region;
      deviceCodeLifetime = from.deviceCodeLifetime;
      devicePollInterval = from.devicePollInterval;
    }

    SandboxConfig build() {
      return new SandboxConfig(
          port,
          apps,
          accessTokenLifetime,
          refreshTokenLifetime,
          autoApprove,
          clock,
          workflows,
          asyncRunsAllowed,
          region,
          deviceCodeLifetime,
          devicePollInterval);
    }
  }
}
