package dev.cozegateway.application;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/** Lists a tenant's connections by connection id, a page at a time (AIP-158). */
public final class ListConnections {
  public static final int DEFAULT_PAGE_SIZE = 50;
  public static final int MAX_PAGE_SIZE = 1000;

  /**
   * @param tenant the tenant
   * @param pageSize 0 for the default; values above the maximum are lowered to it
   * @param pageToken a previous page's token, or empty for the first page
   */
  public record Command(TenantId tenant, int pageSize, String pageToken) {
    public Command {
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(pageToken, "pageToken");
      if (pageSize < 0) {
        throw new GatewayException.InvalidArgument(
            Reason.INVALID_ARGUMENT, "page_size", "must not be negative");
      }
    }
  }

  /** One page, and the token of the next one (empty on the last page). */
  public record Page(List<Connection> connections, String nextPageToken) {}

  private final ConnectionStore store;

  ListConnections(ConnectionStore store) {
    this.store = store;
  }

  public Page execute(Command command) {
    int size =
        command.pageSize() == 0 ? DEFAULT_PAGE_SIZE : Math.min(command.pageSize(), MAX_PAGE_SIZE);
    String after =
        command.pageToken().isEmpty() ? null : decode(command.tenant(), command.pageToken());
    List<Connection> found = store.list(command.tenant(), after, size + 1);
    if (found.size() <= size) {
      return new Page(found, "");
    }
    List<Connection> page = found.subList(0, size);
    return new Page(
        List.copyOf(page), encode(command.tenant(), page.get(size - 1).name().connectionId()));
  }

  // The token names the tenant too, so a token from one tenant's listing is refused by another's.
  private static String encode(TenantId tenant, String lastId) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((tenant.id() + "/" + lastId).getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(TenantId tenant, String token) {
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalidToken();
    }
    String prefix = tenant.id() + "/";
    if (!text.startsWith(prefix) || text.length() == prefix.length()) {
      throw invalidToken();
    }
    return text.substring(prefix.length());
  }

  private static GatewayException invalidToken() {
    return new GatewayException.InvalidArgument(
        Reason.INVALID_ARGUMENT,
        "page_token",
        "is not a token this listing returned; pass next_page_token unchanged");
  }
}
