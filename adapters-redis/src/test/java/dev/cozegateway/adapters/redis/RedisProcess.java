package dev.cozegateway.adapters.redis;

import java.io.BufferedReader;
import java.io.File;
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
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One {@code redis-server} child process (a server, a cluster node or a sentinel) on a loopback
 * port, in the foreground, with its output drained so that it never blocks. Started from the test
 * JVM on a port that was free a moment before; if another process took it meanwhile, the start
 * fails and {@link #startOnFreePort} tries another. A JVM shutdown hook kills it if the test never
 * stops it.
 */
final class RedisProcess {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int PORT_ATTEMPTS = 5;
  private static final int PING_ATTEMPTS = 50;
  private static final int OUTPUT_LINES = 100;

  private final String name;
  private final int port;
  private final Process process;
  private final Thread shutdownHook;
  private final Deque<String> lastLines;

  private RedisProcess(
      String name, int port, Process process, Thread shutdownHook, Deque<String> lastLines) {
    this.name = name;
    this.port = port;
    this.process = process;
    this.shutdownHook = shutdownHook;
    this.lastLines = lastLines;
  }

  /**
   * Starts {@code redis-server} with the arguments {@code arguments} gives for a free port, in
   * {@code dir}, and waits until it has printed {@code readyLine} and answers PING (with {@code
   * password}, if not null). Tries up to five ports.
   *
   * @throws IllegalStateException with the server's last output, if it never gets ready
   */
  static RedisProcess startOnFreePort(
      String name,
      Path dir,
      IntFunction<List<String>> arguments,
      String readyLine,
      String password) {
    IllegalStateException failure = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      int port = freePort();
      try {
        return start(name, dir, port, arguments.apply(port), readyLine, password);
      } catch (IllegalStateException e) {
        // Most likely the free port was taken between probing and binding: try another.
        failure = e;
      }
    }
    throw failure;
  }

  /** Like {@link #startOnFreePort}, on the given port only. */
  static RedisProcess start(
      String name, Path dir, int port, List<String> arguments, String readyLine, String password) {
    List<String> command = new ArrayList<>();
    command.add(executable("redis-server").toString());
    command.addAll(arguments);
    Process started;
    try {
      Files.createDirectories(dir);
      started =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    Thread hook = new Thread(started::destroyForcibly, name + "-" + port + "-killer");
    Runtime.getRuntime().addShutdownHook(hook);

    // The server says when it is ready; the reader keeps draining its output so it never blocks.
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
                  if (line.contains(readyLine)) {
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
            name + "-" + port + "-output");
    reader.setDaemon(true);
    reader.start();

    RedisProcess process = new RedisProcess(name, port, started, hook, lastLines);
    if (!(await(settled) && ready.get() && process.answersPing(password))) {
      started.destroyForcibly();
      Runtime.getRuntime().removeShutdownHook(hook);
      throw new IllegalStateException(
          name + " did not start on port " + port + "; its output:\n" + process.output());
    }
    return process;
  }

  int port() {
    return port;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Stops it (SIGTERM, then SIGKILL if it lingers) and waits until it is gone. */
  void stop() {
    process.destroy();
    awaitExit();
  }

  /** Kills it at once (SIGKILL), as a crash would, and waits until it is gone. */
  void kill() {
    process.destroyForcibly();
    awaitExit();
  }

  /** Its last lines of output. */
  String output() {
    synchronized (lastLines) {
      return String.join("\n", lastLines);
    }
  }

  /** A plain connection to it. Close it. */
  Jedis connect(String password) {
    return connect(port, password);
  }

  static Jedis connect(int port, String password) {
    DefaultJedisClientConfig.Builder config =
        DefaultJedisClientConfig.builder().resp2().timeoutMillis(5_000);
    if (password != null) {
      config.password(password);
    }
    return new Jedis("127.0.0.1", port, config.build());
  }

  /** The named program on PATH; fails (the tests never skip) if it is not there. */
  static Path executable(String program) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (dir.isEmpty()) {
          continue;
        }
        Path candidate = Path.of(dir, program);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException(
        program
            + " is not on PATH, and the Redis store's tests need a real one. Run scripts/test.sh,"
            + " which installs it (or install it yourself: apt-get install -y redis-server).");
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  /** A new, empty directory for one test class's processes. */
  static Path newTempDir(String name) {
    try {
      return Files.createTempDirectory("coze-gateway-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory", e);
    }
  }

  /** Deletes a directory and everything in it; best effort. */
  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // Left for the OS to clean up with the rest of the temporary directory.
    }
  }

  private void awaitExit() {
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down already, and the hook kills it anyway.
    }
  }

  /** Confirms over a real connection, a bounded number of times, that it answers PING. */
  private boolean answersPing(String password) {
    for (int attempt = 0; attempt < PING_ATTEMPTS; attempt++) {
      try (Jedis jedis = connect(password)) {
        if ("PONG".equals(jedis.ping())) {
          return true;
        }
      } catch (JedisException e) {
        // Not accepting yet: try again.
      }
    }
    return false;
  }

  private static boolean await(CountDownLatch latch) {
    try {
      return latch.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
