package dev.cozegateway.adapters.redis;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Opens Redis stores for a test and closes every one of them after it. */
final class OpenedStores implements AfterEachCallback {
  private final List<RedisStore> opened = new ArrayList<>();

  /** Opens a store, to be closed after the test. */
  RedisStore open(RedisStoreConfig config) {
    RedisStore store = RedisStore.open(config);
    opened.add(store);
    return store;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    opened.forEach(RedisStore::close);
  }
}
