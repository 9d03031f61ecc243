package dev.cozegateway.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.h2.mvstore.MVMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {
  @TempDir Path tmp;

  @Test
  void createsTheDataDirectoryAndTheStoreFile() {
    Path dir = tmp.resolve("a").resolve("b");

    try (EmbeddedStore store = EmbeddedStore.open(new EmbeddedStoreConfig(dir))) {
      assertThat(store.file()).isEqualTo(dir.toAbsolutePath().resolve("gateway.mv.db"));
      assertThat(store.file()).isRegularFile();
      assertThat(new EmbeddedStoreConfig(dir).file()).isEqualTo(dir.resolve("gateway.mv.db"));
    }
  }

  @Test
  void refusesADataDirectoryInUseByAnotherStore() {
    try (EmbeddedStore first = EmbeddedStore.open(new EmbeddedStoreConfig(tmp))) {
      assertThatThrownBy(() -> EmbeddedStore.open(new EmbeddedStoreConfig(tmp)))
          .isInstanceOfSatisfying(
              GatewayException.Unavailable.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE))
          .hasMessageContaining("gateway.mv.db");
      assertThat(first.file()).isRegularFile();
    }
  }

  @Test
  void refusesADataDirectoryThatIsAFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");

    assertThatThrownBy(() -> EmbeddedStore.open(new EmbeddedStoreConfig(file)))
        .isInstanceOfSatisfying(
            GatewayException.Unavailable.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE))
        .hasMessageContaining("not-a-dir");
  }

  @Test
  void aFailedWriteLeavesNothingBehind() {
    try (EmbeddedStore store = EmbeddedStore.open(new EmbeddedStoreConfig(tmp))) {
      MVMap<String, byte[]> map = store.recordMap("test");
      store.write(() -> map.put("before", bytes("1")));

      assertThatThrownBy(
              () ->
                  store.write(
                      () -> {
                        map.put("half-done", bytes("2"));
                        throw new IllegalStateException("boom");
                      }))
          .hasMessage("boom");
      store.write(() -> map.put("after", bytes("3")));

      assertThat(map.containsKey("half-done")).isFalse();
      assertThat(map.get("before")).isEqualTo(bytes("1"));
      assertThat(map.get("after")).isEqualTo(bytes("3"));
    }
    try (EmbeddedStore reopened = EmbeddedStore.open(new EmbeddedStoreConfig(tmp))) {
      MVMap<String, byte[]> map = reopened.recordMap("test");
      assertThat(map.keySet()).containsExactly("after", "before");
    }
  }

  @Test
  void closeIsIdempotent() {
    EmbeddedStore store = EmbeddedStore.open(new EmbeddedStoreConfig(tmp));
    store.close();
    store.close();

    try (EmbeddedStore again = EmbeddedStore.open(new EmbeddedStoreConfig(tmp))) {
      assertThat(again.file()).isRegularFile();
    }
  }

  @Test
  void theFileStaysSmallUnderManyRewrites() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(new EmbeddedStoreConfig(tmp))) {
      MVMap<String, byte[]> map = store.recordMap("test");
      byte[] value = new byte[600];
      for (int i = 0; i < 2000; i++) {
        String key = "k" + (i % 50);
        store.write(() -> map.put(key, value));
      }

      // Each commit writes a chunk of ~20 KB; without reusing dead chunks this is ~40 MB.
      assertThat(Files.size(store.file())).isLessThan(4L * 1024 * 1024);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
