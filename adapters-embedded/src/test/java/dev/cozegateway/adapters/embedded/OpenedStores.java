package dev.cozegateway.adapters.embedded;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Opens embedded stores for a test and closes every one of them after it. */
final class OpenedStores implements AfterEachCallback {
  private final List<EmbeddedStore> opened = new ArrayList<>();

  /** Opens a store in {@code dir}, to be closed after the test. */
  EmbeddedStore open(Path dir) {
    EmbeddedStore store = EmbeddedStore.open(new EmbeddedStoreConfig(dir));
    opened.add(store);
    return store;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    opened.forEach(EmbeddedStore::close);
  }
}
