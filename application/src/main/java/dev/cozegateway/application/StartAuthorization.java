package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.SecretVault;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** Starts a browser authorization (authorization code with S256 PKCE) for an end user. */
public final class StartAuthorization {
  /** How long a pending authorization, and so its state, stays valid. */
  public static final Duration LIFETIME = Duration.ofMinutes(10);

  private static final int MAX_SUBJECT_LENGTH = 256;
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern WORKSPACE_ID = Pattern.compile("[0-9]{1,32}");

  /**
   * @param tenant the tenant
   * @param app the WEB or PKCE app
   * @param connection the connection to create or replace
   * @param subject the caller's end-user id
   * @param returnUri where to send the browser afterwards, or {@code null}
   * @param workspaceId a Coze workspace id (digits) for Coze's workspace-scoped authorize page, or
   *     empty for the plain one
   * @param requestId idempotency key, or empty
   */
  public record Command(
      TenantId tenant,
      AppId app,
      ConnectionName connection,
      String subject,
      URI returnUri,
      String workspaceId,
      String requestId) {
    public Command {
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(app, "app");
      Objects.requireNonNull(connection, "connection");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(workspaceId, "workspaceId");
      Objects.requireNonNull(requestId, "requestId");
    }
  }

  private final AppDirectory apps;
  private final AuthorizationStore store;
  private final SecretVault vault;
  private final InstantSource clock;
  private final Codes codes;
  private final AuthorizationSupport support;

  StartAuthorization(
      AppDirectory apps,
      AuthorizationStore store,
      SecretVault vault,
      InstantSource clock,
      Codes codes,
      AuthorizationSupport support) {
    this.apps = apps;
    this.store = store;
    this.vault = vault;
    this.clock = clock;
    this.codes = codes;
    this.support = support;
  }

  public AuthorizationDetails execute(Command command) {
    App app = apps.require(command.app());
    validate(command, app);
    Instant now = clock.instant();

    if (!command.requestId().isEmpty()) {
      Optional<Authorization> earlier =
          store.findByRequestId(command.tenant(), command.requestId());
      if (earlier.isPresent()) {
        return replay(earlier.get(), command, now);
      }
    }

    AuthorizationName name = new AuthorizationName(command.tenant(), codes.resourceId());
    String state = codes.secretToken();
    String verifier = codes.secretToken();
    byte[] sealedPlain =
        SecretCodec.encodeAuthorization(
            new SecretCodec.AuthorizationSecrets(
                Secret.of(verifier), Secret.of(state), command.workspaceId()));
    Authorization authorization =
        new Authorization(
            name,
            app.id(),
            command.connection(),
            command.subject(),
            AuthorizationState.PENDING,
            now,
            now.plus(LIFETIME),
            command.returnUri(),
            null,
            Codes.sha256(state),
            vault.seal(sealedPlain, Authorization.secretsContext(name)),
            command.requestId());
    Optional<Authorization> raced = store.create(authorization);
    if (raced.isPresent()) {
      return replay(raced.get(), command, now);
    }
    return support.details(authorization, now);
  }

  /**
   * A retry with the same request id: the same authorization, if it asked for the same thing. The
   * workspace is kept only in the sealed secrets, which a finished authorization has dropped; a
   * retry of one is answered with it whatever workspace it names, as it has no authorize URI left.
   */
  private AuthorizationDetails replay(Authorization earlier, Command command, Instant now) {
    boolean same =
        !earlier.isDevice()
            && earlier.app().equals(command.app())
            && earlier.connection().equals(command.connection())
            && earlier.subject().equals(command.subject())
            && Objects.equals(earlier.returnUri(), command.returnUri())
            && support.workspaceId(earlier).map(command.workspaceId()::equals).orElse(true);
    if (!same) {
      throw new GatewayException.AlreadyExists(
          Reason.REQUEST_ID_CONFLICT,
          "request_id was already used for a different authorization (" + earlier.name() + ")");
    }
    return support.details(earlier, now);
  }

  private static void validate(Command command, App app) {
    if (!app.type().usesAuthorizationCode()) {
      throw new GatewayException.FailedPrecondition(
          Reason.APP_TYPE_NOT_SUPPORTED,
          app.id() + " is a " + app.type() + " app; StartAuthorization needs a WEB or PKCE app",
          Map.of("app", app.id().name(), "app_type", app.type().name()));
    }
    validateCommon(command.tenant(), command.connection(), command.subject(), command.requestId());
    validateWorkspaceId(command.workspaceId());
    if (command.returnUri() != null && !app.allowedReturnUris().contains(command.returnUri())) {
      throw new GatewayException.InvalidArgument(
          Reason.RETURN_URI_NOT_ALLOWED,
          "return_uri",
          "is not on the allowlist of " + app.id() + "; it must match an allowed URI exactly");
    }
  }

  /** A workspace id must be Coze's: digits only, so it is safe as a URL path segment. */
  static void validateWorkspaceId(String workspaceId) {
    if (!workspaceId.isEmpty() && !WORKSPACE_ID.matcher(workspaceId).matches()) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT, "workspace_id", "must be a Coze workspace id: 1 to 32 digits");
    }
  }

  /** The checks every way of starting an authorization shares. */
  static void validateCommon(
      TenantId tenant, ConnectionName connection, String subject, String requestId) {
    if (!connection.tenant().equals(tenant)) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT, "connection_id", "must name a connection in " + tenant);
    }
    if (!requestId.isEmpty() && !REQUEST_ID.matcher(requestId).matches()) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT,
          "request_id",
          "must be 1-64 characters of letters, digits, '-' and '_' (a UUID is recommended)");
    }
    if (subject.isBlank() || subject.length() > MAX_SUBJECT_LENGTH) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT,
          "subject",
          "must be 1-" + MAX_SUBJECT_LENGTH + " characters and not blank");
    }
  }
}
