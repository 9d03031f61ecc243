package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import dev.cozegateway.domain.port.SecretVault;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;

/**
 * Completes a pending authorization with what Coze sent to the redirect URI: the code (approved) or
 * an error (denied). The state is consumed exactly once; an unknown or replayed state changes
 * nothing.
 */
public final class CompleteAuthorization {
  private static final int MAX_PARAMETER_LENGTH = 2048;

  /**
   * @param state the {@code state} query parameter
   * @param code the {@code code} query parameter, or empty when Coze sent an error
   * @param error the {@code error} query parameter, or empty
   * @param errorDescription the {@code error_description} query parameter, or empty
   */
  public record Command(String state, String code, String error, String errorDescription) {
    public static Command approved(String state, String code) {
      return new Command(state, code, "", "");
    }
  }

  /**
   * @param authorization the authorization in its final state
   * @param connection the created or replaced connection; {@code null} unless COMPLETED
   */
  public record Completion(Authorization authorization, Connection connection) {}

  private final AppDirectory apps;
  private final AuthorizationStore authorizations;
  private final ConnectionStore connections;
  private final SecretVault vault;
  private final CozeOAuth coze;
  private final InstantSource clock;
  private final AuthorizationSupport support;

  CompleteAuthorization(
      AppDirectory apps,
      AuthorizationStore authorizations,
      ConnectionStore connections,
      SecretVault vault,
      CozeOAuth coze,
      InstantSource clock,
      AuthorizationSupport support) {
    this.apps = apps;
    this.authorizations = authorizations;
    this.connections = connections;
    this.vault = vault;
    this.coze = coze;
    this.clock = clock;
    this.support = support;
  }

  public Completion execute(Command command) {
    String state = nullToEmpty(command.state());
    String code = nullToEmpty(command.code());
    String error = nullToEmpty(command.error());
    validate(state, code, error);

    Authorization pending =
        authorizations
            .consumeState(Codes.sha256(state))
            .orElseThrow(
                () ->
                    new GatewayException.InvalidArgument(
                        Reason.AUTHORIZATION_STATE_INVALID,
                        "state",
                        "is unknown, expired or already used; start a new authorization"));
    Instant now = clock.instant();
    Authorization current = support.expireIfDue(pending, now);
    if (current.state() == AuthorizationState.EXPIRED) {
      throw new GatewayException.FailedPrecondition(
          Reason.AUTHORIZATION_EXPIRED,
          current.name() + " expired at " + current.expireTime() + "; start a new authorization",
          Map.of("authorization", current.name().name()));
    }
    if (current.state() != AuthorizationState.PENDING) {
      throw new GatewayException.FailedPrecondition(
          Reason.AUTHORIZATION_NOT_PENDING,
          current.name() + " is " + current.state(),
          Map.of("authorization", current.name().name()));
    }
    if (!error.isEmpty()) {
      Authorization denied =
          current.finished(
              AuthorizationState.DENIED,
              new AuthorizationError(
                  truncate(error), truncate(nullToEmpty(command.errorDescription())), ""));
      authorizations.update(denied);
      return new Completion(denied, null);
    }
    return exchange(current, code, now);
  }

  private Completion exchange(Authorization authorization, String code, Instant now) {
    App app = apps.require(authorization.app());
    Secret verifier = support.openSecrets(authorization).codeVerifier();
    GrantResult result;
    try {
      result = coze.exchangeCode(app, code, verifier);
    } catch (GatewayException.Unavailable e) {
      // The state is spent and the code may be too (it is single-use at Coze, and the request may
      // have reached it), so a blind retry cannot succeed: this is not UNAVAILABLE for the caller.
      String logId = e.metadata().getOrDefault("coze_logid", "");
      authorizations.update(
          authorization.finished(
              AuthorizationState.FAILED,
              new AuthorizationError(Reason.COZE_UNAVAILABLE.name(), e.getMessage(), logId)));
      throw new GatewayException.FailedPrecondition(
          Reason.CODE_EXCHANGE_FAILED,
          "Coze could not be reached to exchange the authorization code ("
              + e.getMessage()
              + "); the code is single-use, so start a new authorization",
          Map.of("coze_logid", logId));
    } catch (GatewayException e) {
      authorizations.update(
          authorization.finished(
              AuthorizationState.FAILED,
              new AuthorizationError(
                  e.reason().name(), e.getMessage(), e.metadata().getOrDefault("coze_logid", ""))));
      throw e;
    }
    if (result instanceof GrantResult.Rejected rejected) {
      authorizations.update(
          authorization.finished(
              AuthorizationState.FAILED,
              new AuthorizationError(
                  Reason.CODE_EXCHANGE_FAILED.name(),
                  "Coze rejected the authorization code: " + rejected.errorCode(),
                  rejected.logId())));
      throw new GatewayException.FailedPrecondition(
          Reason.CODE_EXCHANGE_FAILED,
          "Coze rejected the authorization code (" + rejected.errorCode() + ")",
          Map.of("coze_error", rejected.errorCode(), "coze_logid", rejected.logId()));
    }
    TokenSet tokens = ((GrantResult.Granted) result).tokens();
    Optional<Connection> previous = connections.find(authorization.connection());
    Connection connection =
        new Connection(
            authorization.connection(),
            app.id(),
            authorization.subject(),
            ConnectionState.ACTIVE,
            previous.map(Connection::createTime).orElse(now),
            now,
            tokens.accessTokenExpireTime(),
            null,
            vault.seal(
                SecretCodec.encodeTokens(tokens),
                Connection.tokenContext(authorization.connection())),
            previous.map(p -> p.version() + 1).orElse(1L));
    connections.put(connection);
    Authorization completed = authorization.finished(AuthorizationState.COMPLETED, null);
    authorizations.update(completed);
    return new Completion(completed, connection);
  }

  private static void validate(String state, String code, String error) {
    if (state.isEmpty()) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, "state", "is required");
    }
    if (state.length() > MAX_PARAMETER_LENGTH) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, "state", "is too long");
    }
    if (code.isEmpty() && error.isEmpty()) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, "code", "is required");
    }
    if (code.length() > MAX_PARAMETER_LENGTH) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, "code", "is too long");
    }
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String truncate(String value) {
    return value.length() <= 256 ? value : value.substring(0, 256);
  }
}
