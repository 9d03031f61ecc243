package dev.cozegateway.application;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.SecretVault;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Re-seals every stored connection's tokens under the vault's current primary key, so that older
 * keys can leave the key ring.
 *
 * <p>Safe while gateways serve traffic: each re-seal is a compare-and-set on the connection's
 * version, so a refresh that wins the race simply wins (its tokens are sealed with the primary key
 * already), and the re-seal is retried on what is stored then. Resumable: running it again skips
 * what is already on the primary key. Pending authorizations are not re-sealed: they live ten
 * minutes, and a finished one keeps no sealed secret.
 */
public final class RotateKeys {
  private static final int MAX_ATTEMPTS = 5;

  /**
   * @param resealed connections re-sealed by this run
   * @param seen connections visited
   * @param remaining connections still sealed under another key after the run (changed while it
   *     ran, or lost every race): run it again
   */
  public record Report(long resealed, long seen, long remaining) {}

  private final ConnectionStore connections;
  private final SecretVault vault;

  public RotateKeys(ConnectionStore connections, SecretVault vault) {
    this.connections = connections;
    this.vault = vault;
  }

  public Report execute() {
    AtomicLong seen = new AtomicLong();
    AtomicLong resealed = new AtomicLong();
    connections.forEachConnection(
        connection -> {
          seen.incrementAndGet();
          if (reseal(connection)) {
            resealed.incrementAndGet();
          }
        });
    return new Report(resealed.get(), seen.get(), countRemaining());
  }

  /** Connections sealed under a key other than the primary. */
  public long countRemaining() {
    AtomicLong remaining = new AtomicLong();
    connections.forEachConnection(
        c -> {
          if (!vault.isSealedWithPrimaryKey(c.tokens())) {
            remaining.incrementAndGet();
          }
        });
    return remaining.get();
  }

  private boolean reseal(Connection seen) {
    Connection current = seen;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (vault.isSealedWithPrimaryKey(current.tokens())) {
        return false;
      }
      String context = Connection.tokenContext(current.name());
      Connection resealed =
          current.resealed(vault.seal(vault.open(current.tokens(), context), context));
      if (connections.replaceIfVersion(resealed, current.version())) {
        return true;
      }
      Optional<Connection> now = connections.find(current.name());
      if (now.isEmpty()) {
        return false;
      }
      current = now.get();
    }
    return false;
  }
}
