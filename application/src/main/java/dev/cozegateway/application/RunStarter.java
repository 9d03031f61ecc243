package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Map;

/**
 * Records a new run (PENDING) before anything is sent to Coze, honouring the request id: a repeat
 * of a request returns the run the first one created.
 */
final class RunStarter {
  private final AppDirectory apps;
  private final ConnectionStore connections;
  private final WorkflowRunStore runs;
  private final InstantSource clock;
  private final Codes codes;

  RunStarter(
      AppDirectory apps,
      ConnectionStore connections,
      WorkflowRunStore runs,
      InstantSource clock,
      Codes codes) {
    this.apps = apps;
    this.connections = connections;
    this.runs = runs;
    this.clock = clock;
    this.codes = codes;
  }

  /** A recorded run, and whether it was created by an earlier request with the same id. */
  record Started(WorkflowRun run, boolean repeated) {}

  /**
   * @param deadline how long the run may stay unfinished before the sweep deems it abandoned
   */
  Started start(WorkflowRequest request, WorkflowRunMode mode, Duration deadline) {
    if (request.connection() != null && connections.find(request.connection()).isEmpty()) {
      throw new GatewayException.NotFound(
          Reason.CONNECTION_NOT_FOUND, "connection " + request.connection() + " does not exist");
    }
    if (request.appSession() != null) {
      App app = apps.require(request.appSession().app());
      if (app.type() != AppType.JWT) {
        throw new GatewayException.FailedPrecondition(
            Reason.APP_TYPE_NOT_SUPPORTED,
            app.id() + " is a " + app.type() + " app; an app_session needs a JWT app",
            Map.of("app", app.id().name(), "app_type", app.type().name()));
      }
    }
    Instant now = clock.instant();
    String digest = request.requestId().isEmpty() ? "" : digest(request, mode);
    WorkflowRun fresh =
        WorkflowRun.builder()
            .name(new WorkflowRunName(request.tenant(), codes.resourceId()))
            .connection(request.connection())
            .appSession(request.appSession())
            .workflowId(request.workflowId())
            .botId(request.botId())
            .appId(request.appId())
            .mode(mode)
            .state(WorkflowRunState.PENDING)
            .requestId(request.requestId())
            .requestDigest(digest)
            .createTime(now)
            .updateTime(now)
            .checkTime(now.plus(deadline))
            .build();
    WorkflowRun stored = runs.create(fresh);
    if (stored.name().equals(fresh.name())) {
      return new Started(stored, false);
    }
    if (!stored.requestDigest().equals(digest)) {
      throw new GatewayException.AlreadyExists(
          Reason.REQUEST_ID_CONFLICT,
          "request_id "
              + request.requestId()
              + " was already used for a different request (run "
              + stored.name()
              + ")");
    }
    return new Started(stored, true);
  }

  private static String digest(WorkflowRequest request, WorkflowRunMode mode) {
    String canonical =
        String.join(
            "\n",
            mode.name(),
            request.principal(),
            request.workflowId(),
            request.botId(),
            request.appId(),
            request.parametersJson());
    return HexFormat.of().formatHex(Codes.sha256(canonical));
  }
}
