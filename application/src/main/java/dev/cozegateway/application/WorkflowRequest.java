package dev.cozegateway.application;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.GatewayException.FieldViolation;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.CozeWorkflows;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A request to run a workflow, checked before anything is recorded or sent to Coze: every violation
 * is reported at once, as {@code INVALID_ARGUMENT} with one field violation each.
 *
 * @param tenant the parent tenant
 * @param connection the connection whose token runs it, in {@code tenant}; or {@code null} when it
 *     runs as a JWT app
 * @param appSession the JWT app and session whose token runs it; or {@code null} for a connection
 * @param workflowId Coze's workflow id: 1 to 32 digits
 * @param parametersJson the start node's inputs as a JSON object, at most {@link
 *     WorkflowSettings#MAX_PARAMETERS_BYTES} in UTF-8 (the gRPC edge checks the nesting depth)
 * @param botId empty, or 1 to 32 digits; not with {@code appId}
 * @param appId empty, or 1 to 32 digits; not with {@code botId}
 * @param requestId empty, or 1 to 128 letters, digits, {@code -} or {@code _}
 */
public record WorkflowRequest(
    TenantId tenant,
    ConnectionName connection,
    ServiceTokenKey appSession,
    String workflowId,
    String parametersJson,
    String botId,
    String appId,
    String requestId) {

  private static final Pattern COZE_ID = Pattern.compile("[0-9]{1,32}");
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  public WorkflowRequest {
    Objects.requireNonNull(tenant, "tenant");
    workflowId = workflowId == null ? "" : workflowId;
    parametersJson = parametersJson == null || parametersJson.isEmpty() ? "{}" : parametersJson;
    botId = botId == null ? "" : botId;
    appId = appId == null ? "" : appId;
    requestId = requestId == null ? "" : requestId;
    List<FieldViolation> violations = new ArrayList<>();
    if ((connection == null) == (appSession == null)) {
      violations.add(
          new FieldViolation(
              "connection", "name the connection to run as, or an app_session (not both)"));
    } else if (connection != null && !connection.tenant().equals(tenant)) {
      violations.add(new FieldViolation("connection", "must be a connection of " + tenant.name()));
    }
    if (!COZE_ID.matcher(workflowId).matches()) {
      violations.add(
          new FieldViolation("workflow_id", "must be Coze's workflow id: 1 to 32 digits"));
    }
    if (!botId.isEmpty() && !COZE_ID.matcher(botId).matches()) {
      violations.add(new FieldViolation("bot_id", "must be a Coze bot id: 1 to 32 digits"));
    }
    if (!appId.isEmpty() && !COZE_ID.matcher(appId).matches()) {
      violations.add(new FieldViolation("app_id", "must be a Coze app id: 1 to 32 digits"));
    }
    if (!botId.isEmpty() && !appId.isEmpty()) {
      String both = "bot_id and app_id are mutually exclusive: set at most one";
      violations.add(new FieldViolation("bot_id", both));
      violations.add(new FieldViolation("app_id", both));
    }
    int bytes = parametersJson.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > WorkflowSettings.MAX_PARAMETERS_BYTES) {
      violations.add(
          new FieldViolation(
              "parameters",
              "must serialize to at most "
                  + WorkflowSettings.MAX_PARAMETERS_BYTES
                  + " bytes, got "
                  + bytes));
    }
    if (!requestId.isEmpty() && !REQUEST_ID.matcher(requestId).matches()) {
      violations.add(
          new FieldViolation(
              "request_id", "must be 1 to 128 letters, digits, '-' or '_' (a UUID is ideal)"));
    }
    if (!violations.isEmpty()) {
      throw new GatewayException.InvalidArgument(Reason.INVALID_ARGUMENT, violations);
    }
  }

  /** A request run for a connection (the usual case). */
  public static WorkflowRequest forConnection(
      TenantId tenant,
      ConnectionName connection,
      String workflowId,
      String parametersJson,
      String botId,
      String appId,
      String requestId) {
    return new WorkflowRequest(
        tenant, connection, null, workflowId, parametersJson, botId, appId, requestId);
  }

  /** Who the run acts for, for digests and messages. */
  String principal() {
    return connection != null
        ? connection.name()
        : "apps/" + appSession.app().id() + " session " + appSession.sessionName();
  }

  CozeWorkflows.WorkflowCall call() {
    return new CozeWorkflows.WorkflowCall(workflowId, parametersJson, botId, appId);
  }
}
