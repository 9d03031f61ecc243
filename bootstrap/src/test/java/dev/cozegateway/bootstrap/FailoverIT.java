package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cozegateway.adapters.redis.RedisSentinelExtension;
import dev.cozegateway.adapters.redis.RedisServerExtension;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.RefreshTokenInfo;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxStats;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failover test: three gateway processes from the packaged jar on a Sentinel deployment of real
 * redis-servers (a master, one replica, three sentinels), with {@code wait-replicas: 1}, in front
 * of the Coze sandbox, which rejects any reused refresh token. Five connections are refreshed
 * continually from every replica while the master is killed with SIGKILL; the sentinels promote the
 * replica, the crashed server comes back (empty) as the new master's replica, and the load goes on.
 * Afterwards no connection and no token may be lost: every connection is {@code ACTIVE} on every
 * replica, its stored access token works at the sandbox, one more refresh of its stored refresh
 * token succeeds without a rejection, and the sandbox holds no redeemable refresh token besides the
 * connections' own (one the gateway was given and did not keep is lost). Calls may fail while the
 * store is down, with {@code UNAVAILABLE} only, and every replica must serve every connection again
 * afterwards on its own. Runs after {@code package}, under failsafe.
 *
 * <p>Every call refreshes: the sandbox issues five-minute access tokens, and the callers ask for
 * ten minutes left (the most allowed). A refresh leader does not go round again on a short token,
 * so each call ends after at most two refreshes.
 */
class FailoverIT {
  private static final int REPLICAS = 3;
  private static final int CONNECTIONS = 5;
  private static final Duration TOKEN_LIFETIME = Duration.ofMinutes(5);
  private static final Duration FORCE_REFRESH = GetAccessToken.MAX_MIN_REMAINING;
  private static final Duration LEASE_TTL = Duration.ofSeconds(2);

  /**
   * How long a holder retries storing redeemed tokens through the outage: longer than the failover
   * takes here (about 3 s), and short enough that a replica waiting on an intent whose holder never
   * sent its token (its intent write failed its WAIT) is not held past the callers' deadline.
   */
  private static final Duration PERSIST_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration CALL_DEADLINE = Duration.ofSeconds(15);
  private static final Duration LOAD_BEFORE_CRASH = Duration.ofSeconds(3);
  private static final Duration LOAD_AFTER_RECOVERY = Duration.ofSeconds(3);

  /** How long a load thread waits after a failed call, as a client retrying UNAVAILABLE would. */
  private static final Duration CLIENT_BACKOFF = Duration.ofMillis(100);

  @RegisterExtension static final RedisSentinelExtension REDIS = new RedisSentinelExtension();

  @TempDir Path dir;

  private final ExecutorService load =
      Executors.newFixedThreadPool(REPLICAS * CONNECTIONS, r -> new Thread(r, "failover-load"));
  private final AtomicBoolean stopLoad = new AtomicBoolean();
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.BEFORE);
  private final Queue<Call> calls = new ConcurrentLinkedQueue<>();
  private ServeReplicas fleet;
  private CozeSandbox sandbox;

  /** When a load call started, relative to the crash and the store's recovery. */
  private enum Phase {
    BEFORE,
    DURING,
    AFTER
  }

  /** One load call: where it went, when it started, and its status ({@code OK} if it returned). */
  private record Call(int replica, int connection, Phase phase, Status.Code code, long endNanos) {}

  @BeforeEach
  void start() throws Exception {
    // After a failover in an earlier test of this class, the roles may have swapped: wait for the
    // replica whatever it is.
    REDIS.awaitReplicaInSync();
    int callbackPort = SandboxWiring.freePort();
    sandbox =
        CozeSandbox.start(
            SandboxConfig.demo(0, List.of(SandboxWiring.callbackUri(callbackPort)))
                .withAccessTokenLifetime(TOKEN_LIFETIME)
                .withAutoApprove(true));
    List<String> names = new ArrayList<>();
    for (int number = 1; number <= REPLICAS; number++) {
      names.add(String.valueOf(number));
    }
    String sentinels =
        REDIS.sentinelNodes().stream()
            .map(node -> node.host() + ":" + node.port())
            .collect(Collectors.joining(","));
    fleet =
        ServeReplicas.start(
            dir,
            "failover",
            names,
            sandbox,
            callbackPort,
            Map.of(
                "mode", "sentinel",
                "sentinel.master-name", RedisSentinelExtension.MASTER_NAME,
                "sentinel.nodes", sentinels,
                "key-prefix", RedisServerExtension.uniquePrefix(),
                // Every connection write waits for the replica, so the promoted replica has it.
                "wait-replicas", "1",
                "wait-timeout", "500ms",
                // Short, so that calls to the dead master fail fast rather than hang.
                "connect-timeout", "1s",
                "socket-timeout", "1s"),
            // Only the load refreshes; a short lease, so that a lease lost with the master, or
            // held by a call cut off by the crash, does not block a connection for long.
            Map.of(
                "sweep-enabled",
                "false",
                "lease-ttl",
                LEASE_TTL.toSeconds() + "s",
                "persist-timeout",
                PERSIST_TIMEOUT.toSeconds() + "s"));
  }

  @AfterEach
  void stop() throws Exception {
    stopLoad.set(true);
    load.shutdownNow();
    load.awaitTermination(CALL_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
    if (fleet != null) {
      fleet.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void aSentinelFailoverUnderLoadLosesNoConnectionAndNoToken() throws Exception {
    for (int c = 0; c < CONNECTIONS; c++) {
      Alice.connectAs(fleet.get(c % REPLICAS).auth(), connectionId(c));
    }
    assertThat(sandbox.stats().codeExchanges()).isEqualTo(CONNECTIONS);

    for (int r = 0; r < REPLICAS; r++) {
      for (int c = 0; c < CONNECTIONS; c++) {
        int replica = r;
        int connection = c;
        load.submit(() -> callUntilStopped(replica, connection));
      }
    }
    long loadStarted = System.nanoTime();
    fleet.awaitOrFail(
        "every replica to serve every connection under load",
        Duration.ofSeconds(20),
        () ->
            System.nanoTime() - loadStarted > LOAD_BEFORE_CRASH.toNanos()
                && everyPairSucceededIn(Phase.BEFORE));
    SandboxStats atCrash = sandbox.stats();

    // kill -9 the master in the middle of the load; the sentinels promote the replica.
    int promoted = REDIS.replicaPort();
    phase.set(Phase.DURING);
    long crashed = System.nanoTime();
    int crashedPort = REDIS.crashMaster();
    REDIS.awaitMaster(promoted);
    long promotedAt = System.nanoTime();
    // The crashed server comes back, empty, as the new master's replica, so that writes can be
    // acknowledged by a replica again.
    REDIS.restartAsReplica(crashedPort, promoted);
    REDIS.awaitReplicaInSync();
    long recovered = System.nanoTime();
    phase.set(Phase.AFTER);

    // Not failed at once: the figures below say more than a timeout would.
    boolean servedAgain =
        eventually(
            Duration.ofSeconds(20),
            () ->
                System.nanoTime() - recovered > LOAD_AFTER_RECOVERY.toNanos()
                    && everyPairSucceededIn(Phase.AFTER));
    stopLoad.set(true);
    load.shutdown();
    assertThat(load.awaitTermination(CALL_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS))
        .as("the load stopped")
        .isTrue();
    // A call whose client gave up may still be refreshing in a replica: wait until the sandbox
    // has seen no refresh for a while, so the checks below see only their own.
    awaitQuietRefreshes();
    SandboxStats afterLoad = sandbox.stats();

    List<Call> all = List.copyOf(calls);
    printLoad(all, crashed);
    System.out.printf(
        "[failover] master 127.0.0.1:%d killed; sentinels promoted 127.0.0.1:%d after %d ms; store"
            + " writable with a replica again after %d ms%n",
        crashedPort,
        promoted,
        TimeUnit.NANOSECONDS.toMillis(promotedAt - crashed),
        TimeUnit.NANOSECONDS.toMillis(recovered - crashed));
    System.out.printf(
        "[failover] sandbox: %d refresh redemption(s) and %d rejection(s) before the crash; %d and"
            + " %d by the end of the load%n",
        atCrash.refreshRedemptions(),
        atCrash.refreshRejections(),
        afterLoad.refreshRedemptions(),
        afterLoad.refreshRejections());

    List<String> lost = checkEveryConnection();
    SandboxStats end = sandbox.stats();
    long redeemable =
        sandbox.refreshTokens().stream()
            .filter(token -> RefreshTokenInfo.ACTIVE.equals(token.state()))
            .count();
    // Each connection that passed holds one live refresh token, the one it just got; any other
    // redeemable token was issued to the gateway and not kept.
    long kept = CONNECTIONS - lost.size();
    System.out.printf(
        "[failover] after one more refresh each: %d redemption(s), %d rejection(s); %d redeemable"
            + " refresh token(s) at the sandbox, %d held by a connection, %d issued and not kept%n",
        end.refreshRedemptions(), end.refreshRejections(), redeemable, kept, redeemable - kept);
    lost.forEach(problem -> System.out.println("[failover] LOST: " + problem));

    assertThat(lost).as(() -> "connections lost" + logs()).isEmpty();
    assertThat(end.refreshRejections())
        .as(() -> "refresh tokens Coze refused: each would have been sent twice" + logs())
        .isZero();
    assertThat(servedAgain)
        .as(() -> "every replica served every connection again after the failover" + logs())
        .isTrue();
    assertThat(redeemable)
        .as(
            () ->
                "redeemable refresh tokens at the sandbox, against the connections' own: any other"
                    + " was issued to the gateway and not kept"
                    + logs())
        .isEqualTo(CONNECTIONS);
    assertThat(all.stream().filter(call -> call.code() != Status.Code.OK))
        .as(() -> "failed load calls whose status is not UNAVAILABLE" + logs())
        .allMatch(call -> call.code() == Status.Code.UNAVAILABLE);
    assertThat(all.stream().filter(call -> call.endNanos() - crashed < 0))
        .as(() -> "load calls that ended before the crash, all successful" + logs())
        .allMatch(call -> call.code() == Status.Code.OK);
  }

  /** Refreshes the connection through the replica, again and again, recording each call. */
  private void callUntilStopped(int replica, int connection) {
    GetAccessTokenRequest request = request(connection, FORCE_REFRESH);
    while (!stopLoad.get()) {
      Phase started = phase.get();
      Status.Code code = Status.Code.OK;
      try {
        stub(replica).getAccessToken(request);
      } catch (StatusRuntimeException e) {
        code = e.getStatus().getCode();
      }
      calls.add(new Call(replica, connection, started, code, System.nanoTime()));
      if (code != Status.Code.OK) {
        LockSupport.parkNanos(CLIENT_BACKOFF.toNanos());
      }
    }
  }

  /** Whether {@code condition} holds within {@code atMost}, polling. */
  private static boolean eventually(Duration atMost, Callable<Boolean> condition) {
    try {
      await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(condition);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  private boolean everyPairSucceededIn(Phase wanted) {
    boolean[][] ok = new boolean[REPLICAS][CONNECTIONS];
    for (Call call : calls) {
      if (call.phase() == wanted && call.code() == Status.Code.OK) {
        ok[call.replica()][call.connection()] = true;
      }
    }
    for (boolean[] replica : ok) {
      for (boolean pair : replica) {
        if (!pair) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * For each connection: ACTIVE on every replica, its stored access token valid at the sandbox, and
   * one more refresh of its stored refresh token redeemed without a rejection. Returns what failed,
   * one line per connection.
   */
  private List<String> checkEveryConnection() {
    List<String> problems = new ArrayList<>();
    for (int c = 0; c < CONNECTIONS; c++) {
      String name = connectionName(c);
      try {
        List<Connection.State> states = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
          states.add(
              stub(r)
                  .getConnection(GetConnectionRequest.newBuilder().setName(name).build())
                  .getState());
        }
        if (states.stream().anyMatch(state -> state != Connection.State.ACTIVE)) {
          problems.add(name + ": state on replicas 1.." + REPLICAS + " is " + states);
          continue;
        }
        int replica = c % REPLICAS;
        AccessToken stored = stub(replica).getAccessToken(request(c, Duration.ZERO));
        boolean storedValid = sandbox.isAccessTokenValid(stored.getAccessToken());
        SandboxStats before = sandbox.stats();
        AccessToken refreshed = stub(replica).getAccessToken(request(c, FORCE_REFRESH));
        SandboxStats after = sandbox.stats();
        boolean refreshedValid = sandbox.isAccessTokenValid(refreshed.getAccessToken());
        long redeemed = after.refreshRedemptions() - before.refreshRedemptions();
        long rejected = after.refreshRejections() - before.refreshRejections();
        System.out.printf(
            "[failover] %s: ACTIVE on every replica; stored access token valid: %b; one more"
                + " refresh: %d redemption(s), %d rejection(s), new token valid: %b%n",
            name, storedValid, redeemed, rejected, refreshedValid);
        if (!storedValid
            || !refreshedValid
            || redeemed != 1
            || rejected != 0
            || refreshed.getAccessToken().equals(stored.getAccessToken())) {
          problems.add(
              name
                  + ": stored token valid "
                  + storedValid
                  + ", refresh redeemed "
                  + redeemed
                  + " and rejected "
                  + rejected
                  + ", new token valid "
                  + refreshedValid);
        }
      } catch (StatusRuntimeException e) {
        problems.add(name + ": " + e.getStatus());
      }
    }
    return problems;
  }

  private void printLoad(List<Call> all, long crashed) {
    for (Phase p : Phase.values()) {
      List<Call> inPhase = all.stream().filter(call -> call.phase() == p).toList();
      Map<Status.Code, Long> byCode =
          inPhase.stream()
              .collect(
                  Collectors.groupingBy(
                      Call::code, () -> new EnumMap<>(Status.Code.class), Collectors.counting()));
      System.out.printf(
          "[failover] load calls started %s the outage: %d, by status %s%n",
          switch (p) {
            case BEFORE -> "before";
            case DURING -> "during";
            case AFTER -> "after";
          },
          inPhase.size(),
          byCode);
    }
    Map<Integer, Long> okAfterByReplica =
        all.stream()
            .filter(call -> call.phase() == Phase.AFTER && call.code() == Status.Code.OK)
            .collect(
                Collectors.groupingBy(
                    call -> call.replica() + 1, TreeMap::new, Collectors.counting()));
    long firstOk =
        all.stream()
            .filter(call -> call.phase() != Phase.BEFORE && call.code() == Status.Code.OK)
            .mapToLong(Call::endNanos)
            .min()
            .orElse(crashed);
    long failedBeforeCrash =
        all.stream()
            .filter(call -> call.endNanos() - crashed < 0 && call.code() != Status.Code.OK)
            .count();
    System.out.printf(
        "[failover] failed calls that ended before the crash: %d; successful calls after the"
            + " outage, by replica: %s; first success of a call started after the crash: %d ms"
            + " after it%n",
        failedBeforeCrash, okAfterByReplica, TimeUnit.NANOSECONDS.toMillis(firstOk - crashed));
  }

  private AuthServiceGrpc.AuthServiceBlockingStub stub(int replica) {
    return AuthServiceGrpc.newBlockingStub(fleet.get(replica).channel())
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static GetAccessTokenRequest request(int connection, Duration minRemaining) {
    return GetAccessTokenRequest.newBuilder()
        .setConnection(connectionName(connection))
        .setMinRemainingLifetime(
            com.google.protobuf.Duration.newBuilder().setSeconds(minRemaining.toSeconds()))
        .build();
  }

  private static String connectionId(int connection) {
    return "user-" + (connection + 1);
  }

  private static String connectionName(int connection) {
    return SandboxWiring.TENANT + "/connections/" + connectionId(connection);
  }

  /** The last lines, and every warning and error, of each replica's log: for failure messages. */
  private String logs() {
    StringBuilder out = new StringBuilder(fleet.diagnostics());
    for (ServeReplicas.Replica replica : fleet.replicas()) {
      out.append("\n--- replica ").append(replica.name()).append(" warnings and errors ---\n");
      try {
        Files.readString(replica.stderr())
            .lines()
            .filter(line -> line.contains("WARN") || line.contains("ERROR"))
            .limit(60)
            .forEach(line -> out.append(line).append('\n'));
      } catch (IOException e) {
        out.append("(unreadable: ").append(e).append(")\n");
      }
    }
    return out.toString();
  }

  /** Waits (at most the persist timeout plus 10 s) until no refresh reached the sandbox for 1 s. */
  private void awaitQuietRefreshes() throws InterruptedException {
    long giveUp = System.nanoTime() + PERSIST_TIMEOUT.plusSeconds(10).toNanos();
    long seen = sandbox.stats().refreshRedemptions() + sandbox.stats().refreshRejections();
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(1)
        && System.nanoTime() < giveUp) {
      Thread.sleep(50);
      long now = sandbox.stats().refreshRedemptions() + sandbox.stats().refreshRejections();
      if (now != seen) {
        seen = now;
        quietSince = System.nanoTime();
      }
    }
  }
}
