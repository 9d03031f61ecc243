package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.SecretVault;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The shape of a hot GetAccessToken (a token with enough lifetime left): one store read, one
 * decryption, no call to Coze. The benchmark measures its cost; this pins its shape.
 */
class HotPathTest {
  private final AuthFixture fx = new AuthFixture();
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicInteger opens = new AtomicInteger();

  @Test
  void aHotGetAccessTokenReadsOnceDecryptsOnceAndLeavesCozeAlone() {
    ConnectionName alice = fx.connect("alice");
    GetAccessToken getAccessToken =
        new AuthUseCases(
                fx.apps,
                new CountingStore(fx.connections),
                fx.authorizations,
                new CountingVault(fx.vault),
                fx.coze,
                fx.leases,
                GetAccessToken.DEFAULT_LEASE_TTL,
                fx.clock,
                new SecureRandom())
            .getAccessToken();
    int cozeCalls = fx.coze.refreshCalls();

    GetAccessToken.AccessToken token =
        getAccessToken.execute(new GetAccessToken.Command(alice, null));

    assertThat(token.token().reveal()).startsWith("czu_");
    assertThat(reads).hasValue(1);
    assertThat(opens).hasValue(1);
    assertThat(fx.coze.refreshCalls()).isEqualTo(cozeCalls);
  }

  /** Counts reads; delegates everything. */
  private final class CountingStore implements ConnectionStore {
    private final ConnectionStore delegate;

    CountingStore(ConnectionStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<Connection> find(ConnectionName name) {
      reads.incrementAndGet();
      return delegate.find(name);
    }

    @Override
    public void put(Connection connection) {
      delegate.put(connection);
    }

    @Override
    public boolean replaceIfVersion(Connection updated, long expectedVersion) {
      return delegate.replaceIfVersion(updated, expectedVersion);
    }

    @Override
    public boolean delete(ConnectionName name) {
      return delegate.delete(name);
    }

    @Override
    public List<Connection> list(TenantId tenant, String afterConnectionId, int limit) {
      reads.incrementAndGet();
      return delegate.list(tenant, afterConnectionId, limit);
    }

    @Override
    public void forEachConnection(Consumer<Connection> visitor) {
      reads.incrementAndGet();
      delegate.forEachConnection(visitor);
    }
  }

  /** Counts decryptions; delegates everything. */
  private final class CountingVault implements SecretVault {
    private final SecretVault delegate;

    CountingVault(SecretVault delegate) {
      this.delegate = delegate;
    }

    @Override
    public SealedSecret seal(byte[] plaintext, String context) {
      return delegate.seal(plaintext, context);
    }

    @Override
    public byte[] open(SealedSecret sealed, String context) {
      opens.incrementAndGet();
      return delegate.open(sealed, context);
    }

    @Override
    public boolean isSealedWithPrimaryKey(SealedSecret sealed) {
      return delegate.isSealedWithPrimaryKey(sealed);
    }
  }
}
