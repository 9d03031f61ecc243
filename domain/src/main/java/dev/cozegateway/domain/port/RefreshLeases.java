package dev.cozegateway.domain.port;

import dev.cozegateway.domain.ConnectionName;
import java.time.Duration;
import java.util.Optional;

/**
 * Who may refresh a connection's tokens right now, across every gateway replica that shares the
 * store. Coze refresh tokens are single-use, so only the holder of a connection's lease redeems
 * one; the others wait for the holder's result.
 *
 * <p>A lease is a liveness aid, not the safety net: a holder that stalls past its lease (a long GC
 * pause, a partition) can still reach the store after another replica took over. Writes are
 * therefore fenced by the connection's version ({@link ConnectionStore#replaceIfVersion}), so a
 * stale holder's write is refused.
 *
 * <p>Implementations are thread-safe. Store outages surface as {@link
 * dev.cozegateway.domain.GatewayException.Unavailable} with reason {@code STORE_UNAVAILABLE}.
 */
public interface RefreshLeases {

  /**
   * Takes the connection's lease if nobody holds it.
   *
   * @param ttl how long the lease lives unless renewed; the implementation renews it in the
   *     background while it is held, so it outlives a slow Coze but not a dead holder
   * @return the lease, or empty if another holder has it
   */
  Optional<RefreshLease> tryAcquire(ConnectionName connection, Duration ttl);

  /** A held lease. Closing it releases it, but only if it is still this holder's. */
  interface RefreshLease extends AutoCloseable {

    /** The connection it is for. */
    ConnectionName connection();

    /** Whether this holder still had the lease at its last renewal. */
    boolean isHeld();

    /** Releases the lease if this holder still has it; never releases another holder's. */
    @Override
    void close();
  }
}
