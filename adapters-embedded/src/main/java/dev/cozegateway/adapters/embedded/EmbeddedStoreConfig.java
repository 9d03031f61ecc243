package dev.cozegateway.adapters.embedded;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the embedded store keeps its data.
 *
 * @param dataDir the directory of the store file, {@value EmbeddedStore#FILE_NAME}; created if
 *     missing. One gateway process at a time may use it.
 */
public record EmbeddedStoreConfig(Path dataDir) {
  public EmbeddedStoreConfig {
    Objects.requireNonNull(dataDir, "dataDir");
  }

  /** The store file inside {@link #dataDir()}. */
  public Path file() {
    return dataDir.resolve(EmbeddedStore.FILE_NAME);
  }
}
