package dev.cozegateway.sandbox;

/**
 * A workflow stream whose client went away before the stream's last event: the sandbox noticed when
 * writing the next event or {@code PING} failed. Test-only: Coze exposes nothing like this.
 *
 * @param workflowId the workflow that was streaming
 * @param executeId the run
 * @param eventsSent how many events the sandbox wrote before the failed write (the failed one not
 *     counted); the client may have received fewer
 */
public record StreamDisconnect(String workflowId, String executeId, int eventsSent) {}
