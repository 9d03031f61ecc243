package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.TokenSet;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.SecretVault;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a completed authorization's tokens into its connection, however the tokens were granted
 * (authorization code, device code). Coze has redeemed the single-use code by then, so the tokens
 * cannot be asked for again: a store outage is ridden out for up to {@link
 * GetAccessToken#DEFAULT_PERSIST_TIMEOUT} before the grant is given up.
 */
final class ConnectionGrants {
  private static final int MAX_WRITE_ATTEMPTS = 5;
  private static final Duration FIRST_PAUSE = Duration.ofMillis(50);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

  private final ConnectionStore connections;
  private final SecretVault vault;
  private final Duration persistTimeout;

  ConnectionGrants(ConnectionStore connections, SecretVault vault) {
    this(connections, vault, GetAccessToken.DEFAULT_PERSIST_TIMEOUT);
  }

  ConnectionGrants(ConnectionStore connections, SecretVault vault, Duration persistTimeout) {
    this.connections = connections;
    this.vault = vault;
    this.persistTimeout = persistTimeout;
  }

  /**
   * {@link #write}, retried while the store is unreachable, until the persist timeout.
   *
   * @throws GatewayException.Unavailable if the store stayed unreachable that long
   */
  Connection store(Authorization authorization, App app, TokenSet tokens, Instant now) {
    long giveUp = System.nanoTime() + persistTimeout.toNanos();
    Duration pause = FIRST_PAUSE;
    while (true) {
      try {
        return write(authorization, app, tokens, now);
      } catch (GatewayException.Unavailable e) {
        if (e.reason() != Reason.STORE_UNAVAILABLE || System.nanoTime() - giveUp > 0) {
          throw e;
        }
      }
      Waits.pause(pause, Reason.STORE_UNAVAILABLE, "the store to store a connection");
      pause = Waits.doubled(pause, MAX_PAUSE);
    }
  }

  /**
   * Creates the connection, or replaces it (keeping its create time) with a compare-and-set, so
   * that a refresh in flight for the old grant cannot overwrite the new one afterwards. A new
   * connection's version starts from the clock, never from 1, so that a refresh still holding a
   * deleted connection's version cannot match the connection that replaced it.
   */
  private Connection write(Authorization authorization, App app, TokenSet tokens, Instant now) {
    ConnectionName name = authorization.connection();
    for (int attempt = 1; ; attempt++) {
      Optional<Connection> previous = connections.find(name);
      Connection connection =
          new Connection(
              name,
              app.id(),
              authorization.subject(),
              ConnectionState.ACTIVE,
              previous.map(Connection::createTime).orElse(now),
              now,
              tokens.accessTokenExpireTime(),
              null,
              vault.seal(SecretCodec.encodeTokens(tokens), Connection.tokenContext(name)),
              previous.map(p -> p.version() + 1).orElse(firstVersion(now)));
      if (previous.isEmpty()) {
        connections.put(connection);
        return connection;
      }
      if (connections.replaceIfVersion(connection, previous.get().version())) {
        return connection;
      }
      if (attempt == MAX_WRITE_ATTEMPTS) {
        throw new GatewayException.Unavailable(
            Reason.STORE_UNAVAILABLE,
            "connection " + name + " kept changing while it was being replaced",
            Map.of(),
            null);
      }
    }
  }

  /** Microseconds since the epoch: above every version an earlier connection could have reached. */
  static long firstVersion(Instant now) {
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L;
  }
}
