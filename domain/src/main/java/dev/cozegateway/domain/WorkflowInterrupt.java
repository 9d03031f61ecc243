package dev.cozegateway.domain;

import java.util.Objects;

/**
 * Where a run stopped for the end user: a question node (type 2), an input node (5), a client-side
 * plugin (6) or an OAuth plugin (7).
 *
 * @param eventId what a resume must quote, {@code "<a>/<b>"}
 * @param type the interrupt type, quoted back on resume
 * @param data what the node asks, as Coze sent it (may be empty)
 * @param nodeTitle the interrupting node's title, if Coze named it; otherwise empty
 */
public record WorkflowInterrupt(String eventId, int type, String data, String nodeTitle) {
  public WorkflowInterrupt {
    Objects.requireNonNull(eventId, "eventId");
    data = data == null ? "" : data;
    nodeTitle = nodeTitle == null ? "" : nodeTitle;
  }
}
