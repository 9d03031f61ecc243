package dev.cozegateway.domain.port;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Durable storage of connections and their sealed tokens.
 *
 * <p>Implementations are thread-safe. A write that returns has been made durable. Failures to reach
 * the store surface as {@link dev.cozegateway.domain.GatewayException.Unavailable} with reason
 * {@code STORE_UNAVAILABLE}; no technology exception crosses this port.
 */
public interface ConnectionStore {

  /** The connection, or empty if none has that name. */
  Optional<Connection> find(ConnectionName name);

  /**
   * Creates the connection, or replaces the one with the same name whatever its version. Used when
   * an authorization completes: the new grant supersedes what was there.
   */
  void put(Connection connection);

  /**
   * Writes {@code updated} only if the stored connection's version is {@code expectedVersion}. This
   * is the fence that keeps a stale writer from overwriting newer tokens.
   *
   * @return true if written; false if the connection is gone or its version moved
   */
  boolean replaceIfVersion(Connection updated, long expectedVersion);

  /** Deletes the connection; returns whether it existed. */
  boolean delete(ConnectionName name);

  /**
   * A tenant's connections ordered by connection id, starting after {@code afterConnectionId}
   * (exclusive; {@code null} for the first page), at most {@code limit} of them.
   */
  List<Connection> list(TenantId tenant, String afterConnectionId, int limit);

  /**
   * Visits every stored connection of every tenant, for maintenance jobs such as key rotation; not
   * for request paths. Each connection that exists throughout the visit is seen at least once
   * (possibly more than once, in an older or newer version); one written or deleted meanwhile may
   * or may not be seen. The visitor may write to the store.
   */
  void forEachConnection(Consumer<Connection> visitor);
}
