package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Gateway replicas as operators run them: {@code serve} child processes of the packaged jar, all on
 * one Redis under one key prefix, with the sandbox's demo web app (its secret by environment) and
 * one vault key. Collects each replica's logs for failure messages, and stops them all on close
 * (SIGTERM, then a bounded wait, then SIGKILL).
 */
final class ServeReplicas implements AutoCloseable {
  private static final Path JAR = Path.of("target", "coze-gateway.jar");
  private static final String SECRET_VARIABLE = "DEMO_SECRET";
  private static final Pattern GRPC_LISTENING =
      Pattern.compile("grpc listening on [^\\s:]+:(\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final int LOG_TAIL_LINES = 40;

  /** One child gateway process, the channel to it, and where its logs go. */
  record Replica(String name, Process process, Path stdout, Path stderr, ManagedChannel channel) {
    AuthServiceGrpc.AuthServiceBlockingStub auth() {
      return AuthServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    Connection connection() {
      return auth()
          .getConnection(GetConnectionRequest.newBuilder().setName(Alice.CONNECTION).build());
    }
  }

  private final Path dir;
  private final String tag;
  private final List<Replica> replicas = new ArrayList<>();

  private ServeReplicas(Path dir, String tag) {
    this.dir = dir;
    this.tag = tag;
  }

  /**
   * Starts one replica per name (all at once, then waits for each to listen). The first serves the
   * OAuth callback on {@code callbackPort}; all register that callback, as behind a load balancer.
   *
   * @param refresh the {@code refresh.*} settings (e.g. {@code sweep-enabled: false})
   * @param tag what failure and stop messages start with, e.g. {@code storm}
   */
  static ServeReplicas start(
      Path dir,
      String tag,
      List<String> names,
      CozeSandbox sandbox,
      int callbackPort,
      int redisPort,
      String keyPrefix,
      Map<String, String> refresh)
      throws IOException {
    return start(
        dir,
        tag,
        names,
        sandbox,
        callbackPort,
        Map.of("port", Integer.toString(redisPort), "key-prefix", keyPrefix),
        refresh);
  }

  /**
   * Like {@link #start(Path, String, List, CozeSandbox, int, int, String, Map)}, on any Redis
   * deployment.
   *
   * @param redis the {@code store.redis.*} settings, keyed below {@code store.redis} (dotted for
   *     nested ones, e.g. {@code sentinel.master-name}; lists comma-separated)
   */
  static ServeReplicas start(
      Path dir,
      String tag,
      List<String> names,
      CozeSandbox sandbox,
      int callbackPort,
      Map<String, String> redis,
      Map<String, String> refresh)
      throws IOException {
    ServeReplicas fleet = new ServeReplicas(dir, tag);
    String keyLine = KeyRing.generateKeyLine("k1");
    String callback = SandboxWiring.callbackUri(callbackPort);
    List<Replica> started = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Path config =
          fleet.writeConfig(
              names.get(i), i == 0 ? callbackPort : 0, callback, sandbox, redis, refresh);
      started.add(fleet.launch(names.get(i), config, keyLine));
    }
    fleet.replicas.addAll(started);
    for (int i = 0; i < started.size(); i++) {
      Replica replica = started.get(i);
      int port = fleet.awaitGrpcPort(replica);
      fleet.replicas.set(
          i,
          new Replica(
              replica.name(),
              replica.process(),
              replica.stdout(),
              replica.stderr(),
              NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build()));
    }
    return fleet;
  }

  List<Replica> replicas() {
    return List.copyOf(replicas);
  }

  Replica get(int index) {
    return replicas.get(index);
  }

  /** Waits until the stored token has less than the gateway's default minimum lifetime left. */
  void awaitStale(Replica replica, String context) {
    awaitOrFail(
        context + ": the token to go stale",
        Duration.ofSeconds(10),
        () -> {
          com.google.protobuf.Timestamp expires = replica.connection().getAccessTokenExpireTime();
          Instant expireTime = Instant.ofEpochSecond(expires.getSeconds(), expires.getNanos());
          return Instant.now().plus(GetAccessToken.DEFAULT_MIN_REMAINING).isAfter(expireTime);
        });
  }

  /** Polls {@code condition}; on timeout fails with the replicas' logs. */
  void awaitOrFail(String what, Duration atMost, Callable<Boolean> condition) {
    try {
      await(what).atMost(atMost).pollInterval(Duration.ofMillis(20)).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "timed out after " + atMost.toSeconds() + " s waiting for " + what + diagnostics(), e);
    }
  }

  /** Everything the replica has written to stderr (its log) so far. */
  String stderr(Replica replica) {
    return read(replica.stderr());
  }

  /** The tail of every replica's stderr, for failure messages. */
  String diagnostics() {
    StringBuilder out = new StringBuilder();
    for (Replica replica : replicas) {
      List<String> lines = read(replica.stderr()).lines().toList();
      out.append("\n--- replica ")
          .append(replica.name())
          .append(" stderr (last ")
          .append(LOG_TAIL_LINES)
          .append(" lines) ---\n");
      lines
          .subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
          .forEach(line -> out.append(line).append('\n'));
    }
    return out.toString();
  }

  /** SIGTERM to all first, so that their drains overlap; then a bounded wait for each. */
  @Override
  public void close() throws InterruptedException {
    for (Replica replica : replicas) {
      if (replica.channel() != null) {
        replica.channel().shutdownNow();
      }
    }
    replicas.forEach(replica -> replica.process().destroy());
    for (Replica replica : replicas) {
      if (!replica.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        System.out.printf(
            "[%s] replica %s still running %d s after SIGTERM; killing it%n",
            tag, replica.name(), STOP_TIMEOUT.toSeconds());
        replica.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private Path writeConfig(
      String name,
      int httpPort,
      String callback,
      CozeSandbox sandbox,
      Map<String, String> redis,
      Map<String, String> refresh)
      throws IOException {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.putObject("grpc").put("host", "127.0.0.1").put("port", 0);
    root.putObject("http").put("host", "127.0.0.1").put("port", httpPort);
    ObjectNode store = root.putObject("store").put("type", "redis");
    ObjectNode redisNode = store.putObject("redis");
    redis.forEach(
        (key, value) -> {
          ObjectNode parent = redisNode;
          String[] path = key.split("\\.");
          for (int i = 0; i < path.length - 1; i++) {
            parent =
                parent.has(path[i]) ? (ObjectNode) parent.get(path[i]) : parent.putObject(path[i]);
          }
          parent.put(path[path.length - 1], value);
        });
    ObjectNode refreshNode = root.putObject("refresh");
    refresh.forEach(refreshNode::put);
    root.putArray("apps")
        .addObject()
        .put("id", SandboxWiring.WEB_APP)
        .put("type", "web")
        .put("region", sandbox.baseUrl().toString())
        .put("client-id", SandboxConfig.DEMO_WEB_CLIENT_ID)
        .put("client-secret", "env:" + SECRET_VARIABLE)
        .put("redirect-uri", callback);
    Path config = dir.resolve("replica-" + name + ".yaml");
    Files.writeString(config, new ObjectMapper(new YAMLFactory()).writeValueAsString(root));
    return config;
  }

  private Replica launch(String name, Path config, String keyLine) throws IOException {
    Path stdout = dir.resolve("replica-" + name + ".out");
    Path stderr = dir.resolve("replica-" + name + ".err");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "serve",
                "--config",
                config.toString())
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
    Map<String, String> env = builder.environment();
    // Only this test's settings: a stray COZE_GATEWAY_* in the build's environment would change
    // the configuration, or fail it as an unknown setting.
    env.keySet().removeIf(variable -> variable.startsWith("COZE_GATEWAY_"));
    env.put("COZE_GATEWAY_VAULT_KEYS", keyLine);
    env.put(SECRET_VARIABLE, SandboxConfig.DEMO_WEB_CLIENT_SECRET);
    return new Replica(name, builder.start(), stdout, stderr, null);
  }

  /** The port from the replica's "grpc listening on host:port" line, once it is printed. */
  private int awaitGrpcPort(Replica replica) {
    awaitOrFail(
        "replica " + replica.name() + " to listen",
        START_TIMEOUT,
        () -> grpcPort(replica).isPresent() || !replica.process().isAlive());
    OptionalInt port = grpcPort(replica);
    assertThat(port.isPresent())
        .as(() -> "replica " + replica.name() + " exited before listening" + diagnostics())
        .isTrue();
    return port.getAsInt();
  }

  private static OptionalInt grpcPort(Replica replica) {
    Matcher m = GRPC_LISTENING.matcher(read(replica.stdout()));
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
