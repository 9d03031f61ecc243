package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.CozeOAuth.GrantResult;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Completes a pending authorization with what Coze sent to the redirect URI: the code (approved) or
 * an error (denied). The state is consumed exactly once; an unknown or replayed state changes
 * nothing.
 *
 * <p>Once the state is consumed, every outcome is recorded on the authorization and returned as a
 * {@link Completion}, so that the browser callback can still send the end user back to the caller's
 * return URI; {@link Completion#requireConnection()} turns the outcome into a failure for callers
 * that need the connection.
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
    public Command {
      state = Objects.requireNonNullElse(state, "");
      code = Objects.requireNonNullElse(code, "");
      error = Objects.requireNonNullElse(error, "");
      errorDescription = Objects.requireNonNullElse(errorDescription, "");
    }

    public static Command approved(String state, String code) {
      return new Command(state, code, "", "");
    }
  }

  /**
   * The authorization in its final state.
   *
   * @param authorization COMPLETED, DENIED, EXPIRED or FAILED
   * @param connection the created or replaced connection; {@code null} unless COMPLETED
   */
  public record Completion(Authorization authorization, Connection connection) {
    /**
     * The connection, or the failure that explains why there is none: {@code AUTHORIZATION_DENIED},
     * {@code AUTHORIZATION_EXPIRED} or {@code CODE_EXCHANGE_FAILED}, each a FAILED_PRECONDITION
     * (the end user must start again; retrying this call cannot help).
     */
    public Connection requireConnection() {
      if (connection != null) {
        return connection;
      }
      Map<String, String> metadata = new HashMap<>();
      metadata.put("authorization", authorization.name().name());
      AuthorizationError error = authorization.error();
      if (error != null && !error.cozeLogId().isEmpty()) {
        metadata.put(GatewayException.COZE_LOGID, error.cozeLogId());
      }
      throw switch (authorization.state()) {
        case DENIED ->
            new GatewayException.FailedPrecondition(
                Reason.AUTHORIZATION_DENIED, error.message(), metadata);
        case EXPIRED ->
            new GatewayException.FailedPrecondition(
                Reason.AUTHORIZATION_EXPIRED,
                authorization.name()
                    + " expired at "
                    + authorization.expireTime()
                    + "; start a new authorization",
                metadata);
        default ->
            new GatewayException.FailedPrecondition(
                Reason.CODE_EXCHANGE_FAILED,
                error == null ? authorization.name() + " failed" : error.message(),
                metadata);
      };
    }
  }

  private final AppDirectory apps;
  private final AuthorizationStore authorizations;
  private final ConnectionGrants grants;
  private final CozeOAuth coze;
  private final InstantSource clock;
  private final AuthorizationSupport support;

  CompleteAuthorization(
      AppDirectory apps,
      AuthorizationStore authorizations,
      ConnectionGrants grants,
      CozeOAuth coze,
      InstantSource clock,
      AuthorizationSupport support) {
    this.apps = apps;
    this.authorizations = authorizations;
    this.grants = grants;
    this.coze = coze;
    this.clock = clock;
    this.support = support;
  }

  public Completion execute(Command command) {
    validate(command);
    Authorization pending =
        authorizations
            .consumeState(Codes.sha256(command.state()))
            .orElseThrow(
                () ->
                    new GatewayException.InvalidArgument(
                        Reason.AUTHORIZATION_STATE_INVALID,
                        "state",
                        "is unknown, expired or already used; start a new authorization"));
    if (pending.state() != AuthorizationState.PENDING) {
      throw new GatewayException.FailedPrecondition(
          Reason.AUTHORIZATION_NOT_PENDING,
          pending.name() + " is " + pending.state(),
          Map.of("authorization", pending.name().name()));
    }
    Instant now = clock.instant();
    if (support.isExpired(pending, now)) {
      return finish(pending, AuthorizationState.EXPIRED, null);
    }
    if (!command.error().isEmpty()) {
      String description =
          command.errorDescription().isEmpty() ? "" : ": " + command.errorDescription();
      return finish(
          pending,
          AuthorizationState.DENIED,
          new AuthorizationError(
              Reason.AUTHORIZATION_DENIED.name(),
              truncate(
                  "the authorization was declined at Coze (" + command.error() + description + ")"),
              ""));
    }
    return exchange(pending, command.code(), now);
  }

  private Completion exchange(Authorization authorization, String code, Instant now) {
    App app = apps.require(authorization.app());
    Secret verifier = support.openSecrets(authorization).codeVerifier();
    GrantResult result;
    try {
      result = coze.exchangeCode(app, code, verifier);
    } catch (GatewayException.Unavailable e) {
      // The state is spent and the code may be too (it is single-use at Coze, and the request may
      // have reached it): the end user has to start again.
      return fail(
          authorization,
          Reason.COZE_UNAVAILABLE,
          "Coze could not be reached to exchange the authorization code (" + e.getMessage() + ")",
          e.metadata().getOrDefault(GatewayException.COZE_LOGID, ""));
    } catch (GatewayException.FailedPrecondition e) {
      return fail(
          authorization,
          e.reason(),
          e.getMessage(),
          e.metadata().getOrDefault(GatewayException.COZE_LOGID, ""));
    }
    if (result instanceof GrantResult.Rejected rejected) {
      return fail(
          authorization,
          Reason.CODE_EXCHANGE_FAILED,
          "Coze rejected the authorization code (" + rejected.errorCode() + ")",
          rejected.logId());
    }
    TokenSet tokens = ((GrantResult.Granted) result).tokens();
    Connection connection;
    try {
      connection = grants.store(authorization, app, tokens, now);
    } catch (GatewayException.Unavailable e) {
      return fail(
          authorization,
          Reason.STORE_UNAVAILABLE,
          "the connection could not be stored; start a new authorization",
          "");
    }
    Authorization completed = authorization.finished(AuthorizationState.COMPLETED, null);
    authorizations.update(completed);
    return new Completion(completed, connection);
  }

  private Completion fail(
      Authorization authorization, Reason reason, String message, String logId) {
    return finish(
        authorization,
        AuthorizationState.FAILED,
        new AuthorizationError(reason.name(), truncate(message), logId));
  }

  private Completion finish(
      Authorization authorization, AuthorizationState state, AuthorizationError error) {
    Authorization finished = authorization.finished(state, error);
    authorizations.update(finished);
    return new Completion(finished, null);
  }

  private static void validate(Command command) {
    if (command.state().isEmpty()) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, "state", "is required");
    }
    if (command.state().length() > MAX_PARAMETER_LENGTH) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, "state", "is too long");
    }
    if (command.code().isEmpty() && command.error().isEmpty()) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, "code", "is required");
    }
    if (command.code().length() > MAX_PARAMETER_LENGTH
        || command.error().length() > MAX_PARAMETER_LENGTH) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT, command.code().isEmpty() ? "error" : "code", "is too long");
    }
  }

  private static String truncate(String value) {
    return value.length() <= 300 ? value : value.substring(0, 300) + "…";
  }
}
