package dev.cozegateway.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing JVM without any shutdown (no close, no shutdown hooks) while it is in the middle
 * of writing, then checks that every write it acknowledged is there and the store opens cleanly.
 */
class CrashSafetyTest {
  private static final int HALT_AFTER = 40;
  private static final int HALTED = 3;

  @TempDir Path dataDir;

  @Test
  void everyAcknowledgedWriteSurvivesAHaltedProcess() throws Exception {
    Process writer =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Writer.class.getName(),
                dataDir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<Integer> acknowledged = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("acked ")) {
          acknowledged.add(Integer.parseInt(line.substring(6)));
        }
      }
      assertThat(writer.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      writer.destroyForcibly();
    }
    assertThat(writer.exitValue()).as("the writer was halted").isEqualTo(HALTED);
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(HALT_AFTER);

    try (EmbeddedStore reopened = EmbeddedStore.open(new EmbeddedStoreConfig(dataDir))) {
      MvStoreConnectionStore connections = new MvStoreConnectionStore(reopened);
      for (int i : acknowledged) {
        assertThat(connections.find(name(i))).contains(connection(i));
      }
      assertThat(connections.list(new TenantId("acme"), null, 10_000).size())
          .isGreaterThanOrEqualTo(acknowledged.size());
    }
  }

  /** The child process: writes until another thread halts the JVM mid-stream. */
  public static final class Writer {
    public static void main(String[] args) throws Exception {
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      EmbeddedStore store = EmbeddedStore.open(new EmbeddedStoreConfig(Path.of(args[0])));
      MvStoreConnectionStore connections = new MvStoreConnectionStore(store);
      CountDownLatch enough = new CountDownLatch(HALT_AFTER);
      Thread halter =
          new Thread(
              () -> {
                try {
                  enough.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(HALTED);
              });
      halter.start();
      for (int i = 0; i < 100_000; i++) {
        connections.put(connection(i));
        out.println("acked " + i);
        enough.countDown();
      }
      Runtime.getRuntime().halt(0); // never reached in practice: would fail the exit-code check
    }
  }

  static ConnectionName name(int i) {
    return new ConnectionName(new TenantId("acme"), String.format("c%06d", i));
  }

  static Connection connection(int i) {
    Instant t = Instant.parse("2025-03-01T00:00:00Z").plusSeconds(i);
    return new Connection(
        name(i),
        new AppId("web-app"),
        "subject-" + i,
        ConnectionState.ACTIVE,
        t,
        t,
        t.plusSeconds(900),
        null,
        SealedSecret.of(("tokens " + i).getBytes(StandardCharsets.UTF_8)),
        1);
  }
}
