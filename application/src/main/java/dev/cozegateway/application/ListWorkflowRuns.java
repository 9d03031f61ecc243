package dev.cozegateway.application;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Lists a tenant's runs newest first, optionally only those of one workflow, in one state or for
 * one connection, a page at a time (AIP-158). A page token only works with the filters it was made
 * with.
 */
public final class ListWorkflowRuns {
  public static final int DEFAULT_PAGE_SIZE = 50;
  public static final int MAX_PAGE_SIZE = 1000;

  /**
   * @param workflowId only this workflow's runs; empty for all
   * @param state only runs in this state; {@code null} for all
   * @param connection only this connection's runs; {@code null} for all
   * @param pageSize 0 for the default; values above the maximum are lowered to it
   * @param pageToken a previous page's token, or empty for the first page
   */
  public record Command(
      TenantId tenant,
      String workflowId,
      WorkflowRunState state,
      ConnectionName connection,
      int pageSize,
      String pageToken) {
    public Command {
      Objects.requireNonNull(tenant, "tenant");
      workflowId = workflowId == null ? "" : workflowId;
      pageToken = pageToken == null ? "" : pageToken;
      if (pageSize < 0) {
        throw new GatewayException.InvalidArgument(
            Reason.INVALID_ARGUMENT, "page_size", "must not be negative");
      }
      if (connection != null && !connection.tenant().equals(tenant)) {
        throw new GatewayException.InvalidArgument(
            Reason.INVALID_ARGUMENT, "connection", "must be a connection of " + tenant.name());
      }
    }
  }

  /** One page, and the token of the next one (empty on the last page). */
  public record Page(List<WorkflowRun> runs, String nextPageToken) {}

  private final WorkflowRunStore store;

  ListWorkflowRuns(WorkflowRunStore store) {
    this.store = store;
  }

  public Page execute(Command command) {
    int size =
        command.pageSize() == 0 ? DEFAULT_PAGE_SIZE : Math.min(command.pageSize(), MAX_PAGE_SIZE);
    WorkflowRunQuery query =
        new WorkflowRunQuery(
            command.workflowId(), command.state(), command.connection(), null, null, size + 1);
    if (!command.pageToken().isEmpty()) {
      query = decode(command, query);
    }
    List<WorkflowRun> found = store.list(command.tenant(), query);
    if (found.size() <= size) {
      return new Page(List.copyOf(found), "");
    }
    List<WorkflowRun> page = List.copyOf(found.subList(0, size));
    return new Page(page, encode(command, page.get(size - 1)));
  }

  // The token binds the tenant and the filters, so that it cannot page another listing.
  private static String scope(Command command) {
    String filters =
        String.join(
            "\n",
            command.tenant().name(),
            command.workflowId(),
            command.state() == null ? "" : command.state().name(),
            command.connection() == null ? "" : command.connection().name());
    return HexFormat.of().formatHex(Codes.sha256(filters), 0, 8);
  }

  private static String encode(Command command, WorkflowRun last) {
    String text = scope(command) + "|" + last.createTime() + "|" + last.name().runId();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static WorkflowRunQuery decode(Command command, WorkflowRunQuery first) {
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(command.pageToken()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalidToken();
    }
    String[] parts = text.split("\\|", -1);
    if (parts.length != 3 || !parts[0].equals(scope(command)) || parts[2].isEmpty()) {
      throw invalidToken();
    }
    Instant createTime;
    try {
      createTime = Instant.parse(parts[1]);
    } catch (DateTimeParseException e) {
      throw invalidToken();
    }
    return new WorkflowRunQuery(
        first.workflowId(), first.state(), first.connection(), createTime, parts[2], first.limit());
  }

  private static GatewayException invalidToken() {
    return new GatewayException.InvalidArgument(
        Reason.INVALID_ARGUMENT,
        "page_token",
        "is not a page token of this listing (with these filters)");
  }
}
