package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} for one test class: a child process on a free loopback port, without
 * persistence, in a temporary directory of its own, started before the class's tests and stopped
 * after them. Register it as a static field with {@code @RegisterExtension}. Tests keep apart by
 * key prefix ({@link #config()} gives each call a new one), never by flushing the server.
 *
 * <p>Fails (never skips) if {@code redis-server} is not on PATH.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {
  private static final String READY = "Ready to accept connections";
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private final String password;
  private Path dir;
  private RedisProcess process;
  private int port;

  private RedisServerExtension(String password) {
    this.password = password;
  }

  /** A server without AUTH. */
  public static RedisServerExtension plain() {
    return new RedisServerExtension(null);
  }

  /** A server started with {@code --requirepass password}. */
  public static RedisServerExtension requiringPassword(String password) {
    return new RedisServerExtension(password);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    dir = RedisProcess.newTempDir("redis");
    process = RedisProcess.startOnFreePort("redis-server", dir, this::arguments, READY, password);
    port = process.port();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
    RedisProcess.deleteTree(dir);
  }

  public int port() {
    return port;
  }

  /** The configuration of a store on this server, with a key prefix no other call gets. */
  public RedisStoreConfig config() {
    RedisStoreConfig config =
        RedisStoreConfig.standalone("127.0.0.1", port)
            .withKeyPrefix(uniquePrefix())
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    return password == null ? config : config.withPassword(Secret.of(password));
  }

  /** A key prefix no other call returns, in this JVM. */
  public static String uniquePrefix() {
    return "test-" + PREFIXES.incrementAndGet() + ":";
  }

  /** A plain connection to the server, for looking at keys behind the store's back. Close it. */
  Jedis raw() {
    return RedisProcess.connect(port, password);
  }

  /** Stops the server (SIGTERM, then SIGKILL if it lingers) and waits until it is gone. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.stop();
    process = null;
  }

  /** Starts a new, empty server on the same port as before. */
  public void restart() {
    if (process != null) {
      throw new IllegalStateException("the server is still running");
    }
    process = RedisProcess.start("redis-server", dir, port, arguments(port), READY, password);
  }

  private List<String> arguments(int port) {
    List<String> arguments = new ArrayList<>();
    arguments.addAll(
        List.of(
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no"));
    if (password != null) {
      arguments.addAll(List.of("--requirepass", password));
    }
    return arguments;
  }
}
