package dev.cozegateway.application;

import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.port.CozeWorkflows;

/**
 * Where a streamed run's events go (the gRPC stream). Called from the relaying thread only, in
 * order.
 */
public interface RunEvents {

  /** The run is recorded and about to be sent to Coze; its name is known from now on. */
  void started(WorkflowRun run);

  /** A message, an interrupt or the done event, as Coze sent it. */
  void event(CozeWorkflows.Event event);

  /** The run failed: Coze sent an error event, or the relay broke. */
  void failed(long id, WorkflowRunError error);
}
