package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.DeviceGrant;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.CozeDeviceFlow;
import dev.cozegateway.domain.port.SecretVault;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Starts a device authorization for a DEVICE app: asks Coze for a device code and user code, and
 * records the authorization PENDING with its first poll due one interval later. From then on {@link
 * DevicePollSweep} polls Coze for it, in whichever replica claims each poll, until the end user
 * approves (the connection is created), denies, or the codes expire.
 */
public final class StartDeviceAuthorization {
  private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  /**
   * @param workspaceId a Coze workspace to scope the authorization to, or empty
   * @param requestId an idempotency key, or empty
   */
  public record Command(
      TenantId tenant,
      AppId app,
      ConnectionName connection,
      String subject,
      String workspaceId,
      String requestId) {
    public Command {
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(app, "app");
      Objects.requireNonNull(connection, "connection");
      Objects.requireNonNull(subject, "subject");
      workspaceId = workspaceId == null ? "" : workspaceId;
      requestId = requestId == null ? "" : requestId;
    }
  }

  private final AppDirectory apps;
  private final AuthorizationStore store;
  private final SecretVault vault;
  private final CozeDeviceFlow coze;
  private final InstantSource clock;
  private final Codes codes;

  StartDeviceAuthorization(
      AppDirectory apps,
      AuthorizationStore store,
      SecretVault vault,
      CozeDeviceFlow coze,
      InstantSource clock,
      Codes codes) {
    this.apps = apps;
    this.store = store;
    this.vault = vault;
    this.coze = coze;
    this.clock = clock;
    this.codes = codes;
  }

  public Authorization execute(Command command) {
    App app = apps.require(command.app());
    validate(command, app);
    if (!command.requestId().isEmpty()) {
      Optional<Authorization> earlier =
          store.findByRequestId(command.tenant(), command.requestId());
      if (earlier.isPresent()) {
        return replay(earlier.get(), command);
      }
    }
    CozeDeviceFlow.DeviceCode code = coze.requestDeviceCode(app, command.workspaceId());
    // An interval under a second would have every sweep poll Coze; fall back to Coze's default.
    Duration interval =
        code.interval().compareTo(MIN_INTERVAL) < 0 ? DEFAULT_INTERVAL : code.interval();
    Instant now = clock.instant();
    AuthorizationName name = new AuthorizationName(command.tenant(), codes.resourceId());
    Authorization authorization =
        new Authorization(
            name,
            app.id(),
            command.connection(),
            command.subject(),
            AuthorizationState.PENDING,
            now,
            now.plus(code.expiresIn()),
            null,
            null,
            // No OAuth state: a random hash nobody holds the preimage of.
            Codes.sha256(codes.secretToken()),
            vault.seal(
                SecretCodec.encodeDeviceCode(code.deviceCode()),
                Authorization.secretsContext(name)),
            command.requestId(),
            new DeviceGrant(
                code.userCode(),
                code.verificationUri(),
                code.verificationUriComplete(),
                interval,
                now.plus(interval),
                command.workspaceId(),
                0),
            0);
    Optional<Authorization> raced = store.create(authorization);
    return raced.map(earlier -> replay(earlier, command)).orElse(authorization);
  }

  private static Authorization replay(Authorization earlier, Command command) {
    boolean same =
        earlier.isDevice()
            && earlier.app().equals(command.app())
            && earlier.connection().equals(command.connection())
            && earlier.subject().equals(command.subject())
            && earlier.device().workspaceId().equals(command.workspaceId());
    if (!same) {
      throw new GatewayException.AlreadyExists(
          Reason.REQUEST_ID_CONFLICT,
          "request_id was already used for a different authorization (" + earlier.name() + ")");
    }
    return earlier;
  }

  private static void validate(Command command, App app) {
    if (app.type() != AppType.DEVICE) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          app.id() + " is a " + app.type() + " app; StartDeviceAuthorization needs a DEVICE app",
          Map.of("app", app.id().name(), "app_type", app.type().name()));
    }
    StartAuthorization.validateCommon(
        command.tenant(), command.connection(), command.subject(), command.requestId());
    StartAuthorization.validateWorkspaceId(command.workspaceId());
  }
}
