package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.Secret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real {@code redis-server} for one test class: a child process on a free loopback port, without
 * persistence, started before the class's tests and stopped after them. Register it as a static
 * field with {@code @RegisterExtension}. Tests keep apart by key prefix ({@link #config()} gives
 * each call a new one), never by flushing the server.
 *
 * <p>Fails (never skips) if {@code redis-server} is not on PATH.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {
  private static final String READY = "Ready to accept connections";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int PORT_ATTEMPTS = 5;
  private static final int PING_ATTEMPTS = 50;
  private static final int OUTPUT_LINES = 100;
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private final String password;
  private Process process;
  private Thread shutdownHook;
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
    Path executable = findRedisServer();
    IllegalStateException failure = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      port = freePort();
      try {
        start(executable);
        return;
      } catch (IllegalStateException e) {
        // Most likely the free port was taken between probing and binding: try another.
        failure = e;
      }
    }
    throw failure;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
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
    DefaultJedisClientConfig.Builder config =
        DefaultJedisClientConfig.builder().resp2().timeoutMillis(5_000);
    if (password != null) {
      config.password(password);
    }
    return new Jedis("127.0.0.1", port, config.build());
  }

  /** Stops the server (SIGTERM, then SIGKILL if it lingers) and waits until it is gone. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().removeShutdownHook(shutdownHook);
    process = null;
  }

  /** Starts a new, empty server on the same port as before. */
  public void restart() {
    if (process != null) {
      throw new IllegalStateException("the server is still running");
    }
    start(findRedisServer());
  }

  private void start(Path executable) {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            executable.toString(),
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
      command.addAll(List.of("--requirepass", password));
    }
    Process started;
    try {
      started = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + executable, e);
    }
    Thread hook = new Thread(started::destroyForcibly, "redis-server-" + port + "-killer");
    Runtime.getRuntime().addShutdownHook(hook);

    // The server says when it listens; the reader keeps draining its output so it never blocks.
    // "settled" opens on that line, or when the output ends because the process died.
    AtomicBoolean ready = new AtomicBoolean();
    CountDownLatch settled = new CountDownLatch(1);
    Deque<String> lastLines = new ArrayDeque<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > OUTPUT_LINES) {
                      lastLines.removeFirst();
                    }
                  }
                  if (line.contains(READY)) {
                    ready.set(true);
                    settled.countDown();
                  }
                }
              } catch (IOException e) {
                // The process is gone: settle below.
              } finally {
                settled.countDown();
              }
            },
            "redis-server-" + port + "-output");
    reader.setDaemon(true);
    reader.start();

    boolean listening = await(settled) && ready.get() && answersPing();
    if (!listening) {
      started.destroyForcibly();
      Runtime.getRuntime().removeShutdownHook(hook);
      String output;
      synchronized (lastLines) {
        output = String.join("\n", lastLines);
      }
      throw new IllegalStateException(
          "redis-server did not start on port " + port + "; its output:\n" + output);
    }
    process = started;
    shutdownHook = hook;
  }

  private static boolean await(CountDownLatch latch) {
    try {
      return latch.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Confirms over a real connection, a bounded number of times, that the server answers PING. */
  private boolean answersPing() {
    for (int attempt = 0; attempt < PING_ATTEMPTS; attempt++) {
      try (Jedis jedis = raw()) {
        if ("PONG".equals(jedis.ping())) {
          return true;
        }
      } catch (JedisException e) {
        // Not accepting yet: try again.
      }
    }
    return false;
  }

  private static Path findRedisServer() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (dir.isEmpty()) {
          continue;
        }
        Path candidate = Path.of(dir, "redis-server");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException(
        "redis-server is not on PATH, and the Redis store's tests need a real one. Run"
            + " scripts/test.sh, which installs it (or install it yourself: apt-get install -y"
            + " redis-server).");
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }
}
