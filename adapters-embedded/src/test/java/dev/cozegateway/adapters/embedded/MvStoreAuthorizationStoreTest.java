package dev.cozegateway.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.contract.AuthorizationStoreContract;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MvStoreAuthorizationStoreTest extends AuthorizationStoreContract {
  @TempDir Path dataDir;

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected AuthorizationStore store() {
    return new MvStoreAuthorizationStore(stores.open(dataDir));
  }

  @Test
  void keepsRecordsAndIndexesAcrossAReopen() {
    Path dir = dataDir.resolve("reopened");
    EmbeddedStore first = stores.open(dir);
    MvStoreAuthorizationStore authorizations = new MvStoreAuthorizationStore(first);
    Authorization consumed = authorization("acme", "a1", "state-1", "req-1");
    Authorization pending = authorization("acme", "a2", "state-2", "req-2");
    authorizations.create(consumed);
    authorizations.create(pending);
    authorizations.consumeState(stateHash("state-1"));
    Authorization completed = consumed.finished(AuthorizationState.COMPLETED, null);
    authorizations.update(completed);
    first.close();

    MvStoreAuthorizationStore reopened = new MvStoreAuthorizationStore(stores.open(dir));

    assertThat(reopened.find(consumed.name())).contains(completed);
    assertThat(reopened.findByRequestId(tenant("acme"), "req-1")).contains(completed);
    assertThat(reopened.consumeState(stateHash("state-1"))).as("a used state stays used").isEmpty();
    assertThat(reopened.create(authorization("acme", "a3", "state-3", "req-2"))).contains(pending);
    assertThat(reopened.consumeState(stateHash("state-2"))).contains(pending);
  }

  @Test
  void aClosedStoreIsUnavailable() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("closed"));
    MvStoreAuthorizationStore authorizations = new MvStoreAuthorizationStore(embedded);
    embedded.close();

    MvStoreConnectionStoreTest.assertStoreUnavailable(
        () -> authorizations.create(authorization("acme", "a1", "state-1", "")));
    MvStoreConnectionStoreTest.assertStoreUnavailable(
        () -> authorizations.consumeState(stateHash("state-1")));
    MvStoreConnectionStoreTest.assertStoreUnavailable(
        () -> authorizations.find(name("acme", "a1")));
  }

  @Test
  void storesAuthorizationErrorsVerbatim() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("errors"));
    MvStoreAuthorizationStore authorizations = new MvStoreAuthorizationStore(embedded);
    Authorization pending = authorization("acme", "a1", "state-1", "");
    authorizations.create(pending);
    Authorization failed =
        pending.finished(
            AuthorizationState.FAILED,
            new AuthorizationError("CODE_EXCHANGE_FAILED", "quote \" and newline \n", ""));

    authorizations.update(failed);

    assertThat(authorizations.find(pending.name()).orElseThrow().error()).isEqualTo(failed.error());
  }

  @Test
  void keepsThePollIndexAcrossAReopen() {
    Path dir = dataDir.resolve("polls");
    EmbeddedStore first = stores.open(dir);
    MvStoreAuthorizationStore authorizations = new MvStoreAuthorizationStore(first);
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    Authorization claimed = device("acme", "d1", t);
    Authorization cancelled = device("acme", "d2", t);
    Authorization due = device("globex", "d3", t.plusSeconds(1));
    authorizations.create(claimed);
    authorizations.create(cancelled);
    authorizations.create(due);
    Authorization moved = claimed.withDevice(claimed.device().claimedUntil(t.plusSeconds(30)));
    authorizations.replaceIfVersion(moved, 0);
    authorizations.update(cancelled.finished(AuthorizationState.CANCELLED, null));
    first.close();

    MvStoreAuthorizationStore reopened = new MvStoreAuthorizationStore(stores.open(dir));

    assertThat(reopened.findDuePolls(t.plusSeconds(1), 10)).containsExactly(due);
    assertThat(reopened.findDuePolls(t.plusSeconds(30), 10)).containsExactly(due, moved);
  }

  @Test
  void readsAndReplacesARecordWrittenBeforeDeviceAuthorizations() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("older"));
    MvStoreAuthorizationStore authorizations = new MvStoreAuthorizationStore(embedded);
    Authorization pending = authorization("acme", "a1", "state-1", "req-1");
    String older =
        StoredRecords.toJson(pending).replace(",\"device\":null", "").replace(",\"version\":0", "");
    assertThat(older).doesNotContain("device").doesNotContain("version");
    embedded.write(
        () ->
            embedded
                .recordMap("authorizations")
                .put(pending.name().name(), older.getBytes(StandardCharsets.UTF_8)));

    assertThat(authorizations.find(pending.name())).contains(pending);

    Authorization denied = pending.finished(AuthorizationState.DENIED, null);
    assertThat(authorizations.replaceIfVersion(denied, 0)).isTrue();
    assertThat(authorizations.find(pending.name())).contains(denied);
    assertThat(authorizations.findDuePolls(Instant.MAX, 10)).isEmpty();
  }
}
