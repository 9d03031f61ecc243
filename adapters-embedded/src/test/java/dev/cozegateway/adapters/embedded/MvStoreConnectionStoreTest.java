package dev.cozegateway.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.contract.ConnectionStoreContract;
import dev.cozegateway.domain.port.ConnectionStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MvStoreConnectionStoreTest extends ConnectionStoreContract {
  @TempDir Path dataDir;
  @TempDir Path otherDir;

  @RegisterExtension final OpenedStores stores = new OpenedStores();

  @Override
  protected ConnectionStore store() {
    return new MvStoreConnectionStore(stores.open(dataDir));
  }

  @Test
  void keepsEveryWriteAcrossAReopen() {
    EmbeddedStore first = stores.open(dataDir.resolve("reopened"));
    MvStoreConnectionStore connections = new MvStoreConnectionStore(first);
    Connection kept = connection("acme", "kept", 1);
    Connection refreshed = connection("acme", "refreshed", 1);
    Connection refreshedLater =
        refreshed.refreshed(
            Instant.parse("2025-03-02T00:00:00Z"),
            Instant.parse("2025-03-02T00:15:00Z"),
            SealedSecret.of("new".getBytes(StandardCharsets.UTF_8)));
    connections.put(kept);
    connections.put(refreshed);
    connections.put(connection("acme", "deleted", 1));
    assertThat(connections.replaceIfVersion(refreshedLater, 1)).isTrue();
    assertThat(connections.delete(name("acme", "deleted"))).isTrue();
    first.close();

    MvStoreConnectionStore reopened =
        new MvStoreConnectionStore(stores.open(dataDir.resolve("reopened")));

    assertThat(reopened.find(kept.name())).contains(kept);
    assertThat(reopened.find(refreshed.name())).contains(refreshedLater);
    assertThat(reopened.find(name("acme", "deleted"))).isEmpty();
    assertThat(reopened.list(tenant("acme"), null, 10)).containsExactly(kept, refreshedLater);
  }

  @Test
  void aWriteIsInTheFileWhenItReturnsWithoutWaitingForClose() throws Exception {
    EmbeddedStore live = stores.open(dataDir.resolve("live"));
    MvStoreConnectionStore connections = new MvStoreConnectionStore(live);
    Connection written = connection("acme", "c1", 1);
    connections.put(written);

    // Copy the file while the store is still open, as a crash would leave it.
    Files.createDirectories(otherDir.resolve("copy"));
    Files.copy(live.file(), otherDir.resolve("copy").resolve(EmbeddedStore.FILE_NAME));
    MvStoreConnectionStore copy = new MvStoreConnectionStore(stores.open(otherDir.resolve("copy")));

    assertThat(copy.find(written.name())).contains(written);
  }

  @Test
  void aClosedStoreIsUnavailable() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("closed"));
    MvStoreConnectionStore connections = new MvStoreConnectionStore(embedded);
    embedded.close();

    assertStoreUnavailable(() -> connections.find(name("acme", "c1")));
    assertStoreUnavailable(() -> connections.put(connection("acme", "c1", 1)));
    assertStoreUnavailable(() -> connections.list(tenant("acme"), null, 10));
  }

  @Test
  void anUnreadableRecordIsDataCorruptNotAParseError() {
    EmbeddedStore embedded = stores.open(dataDir.resolve("corrupt"));
    MvStoreConnectionStore connections = new MvStoreConnectionStore(embedded);
    embedded.write(
        () ->
            embedded
                .recordMap("connections")
                .put("tenants/acme/connections/c1", "{not json".getBytes(StandardCharsets.UTF_8)));

    GatewayException.Internal failure =
        catchThrowableOfType(
            GatewayException.Internal.class, () -> connections.find(name("acme", "c1")));

    assertThat(failure.reason()).isEqualTo(Reason.DATA_CORRUPT);
    assertThat(failure.getMessage()).doesNotContain("not json");
  }

  @Test
  void readersAndWritersRunTogetherWithoutErrors() throws Exception {
    EmbeddedStore embedded = stores.open(dataDir.resolve("busy"));
    MvStoreConnectionStore connections = new MvStoreConnectionStore(embedded);
    int writers = 4;
    int updates = 150;
    for (int w = 0; w < writers; w++) {
      connections.put(connection("acme", "c" + w, 0));
    }

    ExecutorService pool = Executors.newFixedThreadPool(writers * 2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch writersDone = new CountDownLatch(writers);
      List<Future<Integer>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String id = "c" + w;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int written = 0;
                  for (int v = 0; v < updates; v++) {
                    if (connections.replaceIfVersion(connection("acme", id, v + 1), v)) {
                      written++;
                    }
                  }
                  writersDone.countDown();
                  return written;
                }));
      }
      for (int r = 0; r < writers; r++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int reads = 0;
                  while (writersDone.getCount() > 0) {
                    assertThat(connections.list(tenant("acme"), null, 100)).hasSize(writers);
                    assertThat(connections.find(name("acme", "c0"))).isPresent();
                    reads++;
                  }
                  return reads;
                }));
      }
      start.countDown();
      for (int w = 0; w < writers; w++) {
        assertThat(results.get(w).get(60, TimeUnit.SECONDS)).isEqualTo(updates);
      }
      for (int r = writers; r < results.size(); r++) {
        results.get(r).get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    for (int w = 0; w < writers; w++) {
      assertThat(connections.find(name("acme", "c" + w)).orElseThrow().version())
          .isEqualTo(updates);
    }
  }

  static void assertStoreUnavailable(Runnable call) {
    GatewayException.Unavailable failure =
        catchThrowableOfType(GatewayException.Unavailable.class, call::run);
    assertThat(failure).as("expected Unavailable(STORE_UNAVAILABLE)").isNotNull();
    assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(failure.getMessage()).doesNotContain("/").doesNotContain("mvstore");
  }
}
