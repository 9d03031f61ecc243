package dev.cozegateway.adapters.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.cozegateway.api.v1.WorkflowDone;
import dev.cozegateway.api.v1.WorkflowEvent;
import dev.cozegateway.api.v1.WorkflowInterrupt;
import dev.cozegateway.api.v1.WorkflowMessage;
import dev.cozegateway.api.v1.WorkflowRun;
import dev.cozegateway.api.v1.WorkflowRunError;
import dev.cozegateway.api.v1.WorkflowUsage;
import dev.cozegateway.application.WorkflowSettings;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.CozeWorkflows.Event;

/** Maps workflow runs and events between the domain and the v1 protos. */
final class WorkflowMapping {
  private static final JsonFormat.Printer CANONICAL =
      JsonFormat.printer().omittingInsignificantWhitespace().sortingMapKeys();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private WorkflowMapping() {}

  /**
   * The parameters as a JSON object with sorted keys (so that a repeated request digests the same),
   * after checking their nesting depth; the size is checked by the use case.
   */
  static String parametersJson(Struct parameters, String field) {
    int depth = depth(parameters);
    if (depth > WorkflowSettings.MAX_PARAMETERS_DEPTH) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT,
          field,
          "must nest at most "
              + WorkflowSettings.MAX_PARAMETERS_DEPTH
              + " levels deep, got "
              + depth);
    }
    try {
      return CANONICAL.print(parameters);
    } catch (InvalidProtocolBufferException e) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT, field, "cannot be written as JSON: " + e.getMessage());
    }
  }

  /** How deep a struct nests: an object of scalars is 1. */
  static int depth(Struct struct) {
    int deepest = 0;
    for (Value value : struct.getFieldsMap().values()) {
      deepest = Math.max(deepest, depth(value));
    }
    return 1 + deepest;
  }

  private static int depth(Value value) {
    return switch (value.getKindCase()) {
      case STRUCT_VALUE -> depth(value.getStructValue());
      case LIST_VALUE -> depth(value.getListValue());
      default -> 0;
    };
  }

  private static int depth(ListValue list) {
    int deepest = 0;
    for (Value value : list.getValuesList()) {
      deepest = Math.max(deepest, depth(value));
    }
    return 1 + deepest;
  }

  static WorkflowRun toProto(dev.cozegateway.domain.WorkflowRun run) {
    WorkflowRun.Builder proto =
        WorkflowRun.newBuilder()
            .setName(run.name().name())
            .setConnection(run.connection() == null ? "" : run.connection().name())
            .setWorkflowId(run.workflowId())
            .setState(toProto(run.state()))
            .setMode(toProto(run.mode()))
            .setExecuteId(run.executeId())
            .setOutput(run.output())
            .setDebugUrl(run.debugUrl())
            .setCreateTime(ProtoMapping.toTimestamp(run.createTime()))
            .setUpdateTime(ProtoMapping.toTimestamp(run.updateTime()))
            .setBotId(run.botId())
            .setAppId(run.appId())
            .setUsage(toProto(run.usage()))
            .setResumeCount(run.resumeCount())
            .setRequestId(run.requestId())
            .setCozeLogid(run.logId());
    Struct output = parseObject(run.output());
    if (output != null) {
      proto.setOutputStruct(output);
    }
    if (run.appSession() != null) {
      proto.setApp(run.appSession().app().name()).setSessionName(run.appSession().sessionName());
    }
    if (run.interrupt() != null) {
      proto.setInterrupt(toProto(run.interrupt()));
    }
    if (run.error() != null) {
      proto.setError(toProto(run.error()));
    }
    return proto.build();
  }

  /** The output as a struct, if it is a JSON object; otherwise {@code null}. */
  static Struct parseObject(String output) {
    String trimmed = output.strip();
    if (!trimmed.startsWith("{")) {
      return null;
    }
    try {
      Struct.Builder struct = Struct.newBuilder();
      PARSER.merge(trimmed, struct);
      return struct.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return null;
    }
  }

  static WorkflowEvent toProto(WorkflowRunName run, Event event) {
    WorkflowEvent.Builder proto =
        WorkflowEvent.newBuilder().setWorkflowRun(run.name()).setId(event.id());
    if (event instanceof Event.Message message) {
      WorkflowMessage.Builder m =
          WorkflowMessage.newBuilder()
              .setContent(nullToEmpty(message.content()))
              .setNodeTitle(nullToEmpty(message.nodeTitle()))
              .setNodeSeqId(nullToEmpty(message.nodeSeqId()))
              .setNodeIsFinish(message.nodeIsFinish())
              .setNodeId(nullToEmpty(message.nodeId()));
      if (message.usage() != null) {
        m.setUsage(toProto(message.usage()));
      }
      proto.setMessage(m);
    } else if (event instanceof Event.Interrupt interrupt) {
      proto.setInterrupt(toProto(interrupt.interrupt()));
    } else if (event instanceof Event.Done done) {
      proto.setDone(WorkflowDone.newBuilder().setDebugUrl(nullToEmpty(done.debugUrl())));
    } else if (event instanceof Event.Error error) {
      proto.setError(
          WorkflowRunError.newBuilder()
              .setReason(Reason.WORKFLOW_FAILED.name())
              .setMessage(nullToEmpty(error.message()))
              .setCozeErrorCode(Integer.toString(error.code())));
    }
    return proto.build();
  }

  static WorkflowEvent failed(
      WorkflowRunName run, long id, dev.cozegateway.domain.WorkflowRunError error) {
    return WorkflowEvent.newBuilder()
        .setWorkflowRun(run.name())
        .setId(id)
        .setError(toProto(error))
        .build();
  }

  static WorkflowRunState fromProto(WorkflowRun.State state, String field) {
    return switch (state) {
      case STATE_UNSPECIFIED -> null;
      case PENDING -> WorkflowRunState.PENDING;
      case RUNNING -> WorkflowRunState.RUNNING;
      case INTERRUPTED -> WorkflowRunState.INTERRUPTED;
      case SUCCEEDED -> WorkflowRunState.SUCCEEDED;
      case FAILED -> WorkflowRunState.FAILED;
      case CANCELLED -> WorkflowRunState.CANCELLED;
      case UNRECOGNIZED ->
          throw new GatewayException.InvalidArgument(
              Reason.INVALID_ARGUMENT, field, "is not a known workflow run state");
    };
  }

  private static WorkflowRun.State toProto(WorkflowRunState state) {
    return switch (state) {
      case PENDING -> WorkflowRun.State.PENDING;
      case RUNNING -> WorkflowRun.State.RUNNING;
      case INTERRUPTED -> WorkflowRun.State.INTERRUPTED;
      case SUCCEEDED -> WorkflowRun.State.SUCCEEDED;
      case FAILED -> WorkflowRun.State.FAILED;
      case CANCELLED -> WorkflowRun.State.CANCELLED;
    };
  }

  private static WorkflowRun.Mode toProto(dev.cozegateway.domain.WorkflowRunMode mode) {
    return switch (mode) {
      case SYNC -> WorkflowRun.Mode.SYNC;
      case ASYNC -> WorkflowRun.Mode.ASYNC;
      case STREAM -> WorkflowRun.Mode.STREAM;
    };
  }

  private static WorkflowUsage toProto(dev.cozegateway.domain.WorkflowUsage usage) {
    return WorkflowUsage.newBuilder()
        .setInputCount(usage.inputCount())
        .setOutputCount(usage.outputCount())
        .setTokenCount(usage.tokenCount())
        .build();
  }

  private static WorkflowInterrupt toProto(dev.cozegateway.domain.WorkflowInterrupt interrupt) {
    return WorkflowInterrupt.newBuilder()
        .setEventId(interrupt.eventId())
        .setType(interrupt.type())
        .setData(interrupt.data())
        .setNodeTitle(interrupt.nodeTitle())
        .build();
  }

  private static WorkflowRunError toProto(dev.cozegateway.domain.WorkflowRunError error) {
    return WorkflowRunError.newBuilder()
        .setReason(error.reason())
        .setMessage(error.message())
        .setCozeErrorCode(error.cozeCode())
        .setCozeLogid(error.cozeLogId())
        .build();
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
