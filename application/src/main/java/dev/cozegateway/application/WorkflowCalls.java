package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.CozeApiException;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.GatewayException.FieldViolation;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Calls Coze's workflow API with a connection's token, fetched and refreshed exactly as {@code
 * GetAccessToken} does; if Coze refuses the token (4100), refreshes once and retries once, and if
 * it refuses the fresh one too, gives the connection up. Also the one place that says what a Coze
 * error means to the gateway's callers.
 */
final class WorkflowCalls {
  private final GetAccessToken tokens;
  private final GetServiceToken serviceTokens;

  WorkflowCalls(GetAccessToken tokens, GetServiceToken serviceTokens) {
    this.tokens = tokens;
    this.serviceTokens = serviceTokens;
  }

  /** Runs {@code call} for whoever the run acts for. */
  <T> T call(WorkflowRun run, BiFunction<App, Secret, T> call) {
    return run.connection() != null
        ? call(run.connection(), call)
        : callAsApp(run.appSession(), call);
  }

  /** Runs {@code call} for whoever the request acts for. */
  <T> T call(WorkflowRequest request, BiFunction<App, Secret, T> call) {
    return request.connection() != null
        ? call(request.connection(), call)
        : callAsApp(request.appSession(), call);
  }

  /** Runs {@code call} with the connection's app and token, retrying once on a refused token. */
  <T> T call(ConnectionName connection, BiFunction<App, Secret, T> call) {
    GetAccessToken.AppToken first = tokens.appToken(connection);
    try {
      return call.apply(first.app(), first.token().token());
    } catch (CozeApiException e) {
      if (!e.isTokenInvalid()) {
        throw regional(e, first.app());
      }
      GetAccessToken.AppToken fresh = tokens.refreshRejected(connection, first.token().token());
      try {
        return call.apply(fresh.app(), fresh.token().token());
      } catch (CozeApiException again) {
        if (again.isTokenInvalid()) {
          throw tokens.giveUp(
              connection, fresh.token().token(), Integer.toString(again.code()), again.logId());
        }
        throw regional(again, fresh.app());
      }
    }
  }

  /**
   * Runs {@code call} with a JWT app's token for the session; if Coze refuses it, mints a new one
   * and retries once; a fresh token refused too means the app is misconfigured.
   */
  private <T> T callAsApp(ServiceTokenKey session, BiFunction<App, Secret, T> call) {
    GetServiceToken.AppServiceToken first = serviceTokens.appToken(session);
    try {
      return call.apply(first.app(), first.token().token());
    } catch (CozeApiException e) {
      if (!e.isTokenInvalid()) {
        throw regional(e, first.app());
      }
      GetServiceToken.AppServiceToken fresh =
          serviceTokens.refreshRejected(session, first.token().token());
      try {
        return call.apply(fresh.app(), fresh.token().token());
      } catch (CozeApiException again) {
        if (again.isTokenInvalid()) {
          throw serviceTokens.giveUp(session, Integer.toString(again.code()), again.logId());
        }
        throw regional(again, fresh.app());
      }
    }
  }

  /**
   * A permission refusal (4101) says which region and host answered: a token of the other region,
   * or a workspace the app cannot reach there, is the usual cause. Other errors pass unchanged.
   */
  private static CozeApiException regional(CozeApiException e, App app) {
    if (e.code() != 4101) {
      return e;
    }
    return new CozeApiException(
        e.code(),
        e.getMessage()
            + " [region "
            + app.region().label()
            + ", host "
            + app.region().apiBase().getHost()
            + "]",
        e.logId());
  }

  /** What a Coze workflow error on a run means to the caller. */
  static GatewayException translate(CozeApiException e) {
    return translate(e, "parameters");
  }

  /**
   * What a Coze workflow error means to the caller; {@code input} names the request field that
   * Coze's 4000 (bad parameters) refers to: a run's {@code parameters}, a resume's {@code
   * resume_data}.
   */
  static GatewayException translate(CozeApiException e, String input) {
    Map<String, String> metadata = metadata(e);
    String message = "Coze answered " + e.code() + ": " + e.getMessage();
    return switch (e.code()) {
      case 4200 ->
          new GatewayException.NotFound(
              Reason.WORKFLOW_NOT_FOUND,
              "Coze does not know the workflow, or it is not published (" + message + ")",
              metadata);
      case 4101 ->
          new GatewayException.PermissionDenied(
              Reason.WORKFLOW_PERMISSION_DENIED,
              "the connection's token lacks permission for this workflow (" + message + ")",
              metadata);
      case 6003 ->
          new GatewayException.FailedPrecondition(
              Reason.WORKFLOW_ASYNC_NOT_ALLOWED,
              "asynchronous runs are not on the Coze account's plan (" + message + ")",
              metadata);
      case 4000 ->
          new GatewayException.InvalidArgument(
              Reason.WORKFLOW_INVALID_PARAMETERS,
              List.of(new FieldViolation(input, message)),
              metadata);
      case 4315 ->
          new GatewayException.FailedPrecondition(
              Reason.WORKFLOW_RUN_STATE_INVALID, "the run already finished at Coze", metadata);
      case 4009, 4013, 4020, 5000 ->
          new GatewayException.Unavailable(
              Reason.COZE_UNAVAILABLE,
              "Coze is busy or failing; retry later (" + message + ")",
              metadata,
              null);
      default -> new GatewayException.FailedPrecondition(Reason.WORKFLOW_FAILED, message, metadata);
    };
  }

  /** The error to record on a run that failed with {@code failure}. */
  static WorkflowRunError runError(RuntimeException failure) {
    if (failure instanceof CozeApiException coze) {
      GatewayException translated = translate(coze);
      return new WorkflowRunError(
          translated.reason().name(),
          translated.getMessage(),
          Integer.toString(coze.code()),
          coze.logId());
    }
    if (failure instanceof GatewayException gateway) {
      return new WorkflowRunError(
          gateway.reason().name(),
          gateway.getMessage(),
          gateway.metadata().getOrDefault(GatewayException.COZE_ERROR_CODE, ""),
          gateway.metadata().getOrDefault(GatewayException.COZE_LOGID, ""));
    }
    return new WorkflowRunError("INTERNAL", "internal error", "", "");
  }

  /** The exception to hand the caller for {@code failure}. */
  static RuntimeException forCaller(RuntimeException failure) {
    return failure instanceof CozeApiException coze ? translate(coze) : failure;
  }

  private static Map<String, String> metadata(CozeApiException e) {
    return Map.of(
        GatewayException.COZE_ERROR_CODE,
        Integer.toString(e.code()),
        GatewayException.COZE_LOGID,
        e.logId());
  }
}
