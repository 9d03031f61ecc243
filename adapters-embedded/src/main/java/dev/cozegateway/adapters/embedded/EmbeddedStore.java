package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's default store: one H2 MVStore file, {@value #FILE_NAME}, in the configured data
 * directory. Owns the file; close it once, at shutdown.
 *
 * <p>Crash safety: writers take one lock, change the maps, then commit and fsync before returning,
 * so a write that returned survives a crash, and the maps changed by one write reach the disk in
 * one commit (MVStore commits are atomic). MVStore's background auto-commit is disabled, because it
 * could persist another writer's half-done change. A write that fails is rolled back before the
 * lock is released. Readers need no lock.
 */
public final class EmbeddedStore implements AutoCloseable {
  static final String FILE_NAME = "gateway.mv.db";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  private final MVStore mvStore;
  private final Path file;
  private final ReentrantLock writeLock = new ReentrantLock();

  private EmbeddedStore(MVStore mvStore, Path file) {
    this.mvStore = mvStore;
    this.file = file;
  }

  /**
   * Opens (creating if needed) the store in {@code config.dataDir()}.
   *
   * @throws GatewayException.Unavailable with {@code STORE_UNAVAILABLE} if the directory cannot be
   *     created or the file cannot be opened for writing (e.g. another process holds it)
   */
  public static EmbeddedStore open(EmbeddedStoreConfig config) {
    Path dir = config.dataDir().toAbsolutePath();
    Path file = dir.resolve(FILE_NAME);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw unavailable("cannot create the data directory " + dir, e);
    }
    MVStore mvStore;
    try {
      mvStore = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    } catch (MVStoreException e) {
      throw unavailable(
          "cannot open " + file + " (is another gateway using this data directory?)", e);
    }
    if (mvStore.isReadOnly()) {
      mvStore.closeImmediately();
      throw unavailable(file + " is read-only", null);
    }
    // Old chunks may be overwritten as soon as no version in use needs them. MVStore's default
    // 45 s retention covers OS write buffers that were never flushed; here every commit is fsynced
    // before the next one can free a chunk, and readers register the version they read (see read).
    // Without this, a commit per write grows the file by a chunk per write for 45 s.
    mvStore.setRetentionTime(0);
    try {
      mvStore.sync();
    } catch (MVStoreException e) {
      mvStore.closeImmediately();
      throw unavailable("cannot sync " + file, e);
    }
    syncDirectory(dir);
    log.info("Embedded store opened: {}", file);
    return new EmbeddedStore(mvStore, file);
  }

  /** The store file. */
  public Path file() {
    return file;
  }

  /** Commits what is pending and closes the file. Idempotent. */
  @Override
  public void close() {
    writeLock.lock();
    try {
      if (!mvStore.isClosed()) {
        mvStore.close();
        log.info("Embedded store closed: {}", file);
      }
    } catch (MVStoreException e) {
      throw unavailable("closing the embedded store failed", e);
    } finally {
      writeLock.unlock();
    }
  }

  /** A map of serialized records by key. Opening is idempotent. */
  MVMap<String, byte[]> recordMap(String name) {
    return read(
        () ->
            mvStore.openMap(
                name,
                new MVMap.Builder<String, byte[]>()
                    .keyType(StringDataType.INSTANCE)
                    .valueType(ByteArrayDataType.INSTANCE)));
  }

  /** A map from key to key, for indexes. Opening is idempotent. */
  MVMap<String, String> indexMap(String name) {
    return read(
        () ->
            mvStore.openMap(
                name,
                new MVMap.Builder<String, String>()
                    .keyType(StringDataType.INSTANCE)
                    .valueType(StringDataType.INSTANCE)));
  }

  /**
   * Runs a read. The version it reads is registered, so that no chunk it may still need is
   * overwritten meanwhile.
   */
  <T> T read(Supplier<T> query) {
    // A closed MVStore still answers from memory; a closed store must not answer "not found".
    requireOpen();
    try {
      MVStore.TxCounter version = mvStore.registerVersionUsage();
      try {
        return query.get();
      } finally {
        mvStore.deregisterVersionUsage(version);
      }
    } catch (MVStoreException e) {
      throw failed(e);
    }
  }

  /**
   * Runs a change under the write lock, then commits and fsyncs it before returning. If anything
   * fails, the change is rolled back and nothing of it stays in memory or reaches the file.
   */
  <T> T write(Supplier<T> change) {
    writeLock.lock();
    try {
      requireOpen();
      T result = change.get();
      if (mvStore.hasUnsavedChanges()) {
        mvStore.commit();
        mvStore.sync();
      }
      return result;
    } catch (RuntimeException e) {
      rollBack(e);
      throw e instanceof MVStoreException s ? failed(s) : e;
    } finally {
      writeLock.unlock();
    }
  }

  private void requireOpen() {
    if (mvStore.isClosed()) {
      MVStoreException panic = mvStore.getPanicException();
      throw unavailable("the gateway's store is unavailable", panic);
    }
  }

  private void rollBack(RuntimeException failure) {
    try {
      if (!mvStore.isClosed()) {
        mvStore.rollback();
      }
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private GatewayException failed(MVStoreException e) {
    log.error("Embedded store {} failed", file, e);
    // Clients see this message: no paths, no library details.
    return unavailable("the gateway's store is unavailable", e);
  }

  private static GatewayException unavailable(String message, Throwable cause) {
    return new GatewayException.Unavailable(Reason.STORE_UNAVAILABLE, message, Map.of(), cause);
  }

  /**
   * Makes a newly created store file's directory entry durable too. Best effort: Linux allows it.
   */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("Cannot fsync directory {}: {}", dir, e.toString());
    }
  }
}
