package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Online key rotation on a whole gateway: records sealed under key A still read after B becomes
 * primary; {@code rotate-keys} re-seals them all under B; then A can leave the ring.
 */
class KeyRotationTest {
  private static final String CONNECTION = SandboxWiring.TENANT + "/connections/alice";

  @TempDir Path dir;

  private final String keyA = KeyRing.generateKeyLine("a");
  private final String keyB = KeyRing.generateKeyLine("b");
  private final int httpPort = SandboxWiring.freePort();
  private final CozeSandbox sandbox =
      CozeSandbox.start(
          SandboxConfig.demo(0, List.of(SandboxWiring.callbackUri(httpPort)))
              .withAutoApprove(true));

  @AfterEach
  void stop() {
    sandbox.close();
  }

  /**
   * Runs a gateway on the ring (its configuration's client secret sealed under the ring's primary
   * key), optionally connects alice, and returns her access token.
   */
  private String withGateway(String ringSpec, String primary, boolean connect) throws Exception {
    KeyRing ring = KeyRing.parse(ringSpec, primary);
    ObjectNode tree = SandboxWiring.configTree(sandbox, ring, 0, httpPort, dir.resolve("data"));
    Gateway gateway =
        Gateway.start(
            GatewayConfig.from(ConfigSource.of(tree, Map.of())),
            ring,
            Map.of(),
            sandbox.clock(),
            Telemetry.wrap(OpenTelemetrySdk.builder().build()));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    try {
      AuthServiceGrpc.AuthServiceBlockingStub auth =
          AuthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      if (connect) {
        Alice.connect(auth);
      }
      return auth.getAccessToken(
              GetAccessTokenRequest.newBuilder().setConnection(CONNECTION).build())
          .getAccessToken();
    } finally {
      channel.shutdownNow();
      gateway.close();
    }
  }

  private String rotateKeys(String ringSpec, String primary, int expectedExit) throws Exception {
    Path keyFile = Files.writeString(dir.resolve("vault.keys"), ringSpec.replace(",", "\n"));
    Path config =
        Files.writeString(
            dir.resolve("rotate.yaml"),
            "store:\n  data-dir: "
                + dir.resolve("data")
                + "\nvault:\n  key-file: "
                + keyFile
                + "\n  primary-key: "
                + primary
                + "\n");
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute("rotate-keys", "--config", config.toString())).isEqualTo(expectedExit);
    return out.toString();
  }

  @Test
  void recordsMoveFromKeyAToKeyBAndAThenLeavesTheRing() throws Exception {
    String token = withGateway(keyA, "a", true);

    // B becomes primary; what A sealed still reads, but not without A.
    assertThat(withGateway(keyA + "," + keyB, "b", false)).isEqualTo(token);
    assertThat(catchThrowable(() -> withGateway(keyB, "b", false)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));

    String report = rotateKeys(keyA + "," + keyB, "b", 0);
    assertThat(report).contains("primary key b; re-sealed 1 of 1 connections; 0 remain");
    assertThat(rotateKeys(keyA + "," + keyB, "b", 0)).contains("re-sealed 0 of 1 connections");

    // A leaves the ring: the connection still reads, so nothing was left on A.
    assertThat(withGateway(keyB, "b", false)).isEqualTo(token);
  }
}
