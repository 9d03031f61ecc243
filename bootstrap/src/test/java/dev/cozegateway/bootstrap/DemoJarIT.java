package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cozegateway.api.v1.GetWorkflowRunRequest;
import dev.cozegateway.api.v1.WorkflowServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code coze-gateway.jar} as an operator runs it: {@code demo --json} reports its
 * addresses and serves, SIGTERM stops it; {@code serve} refuses bad configuration. Runs after
 * {@code package}, under failsafe. {@link WalkthroughIT} runs the printed walkthrough.
 */
class DemoJarIT {
  private static final Path JAR = Path.of("target", "coze-gateway.jar");

  @TempDir Path dir;

  private final ObjectMapper json = new ObjectMapper();
  private Process process;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Process launch(String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(dir.resolve("stderr.log").toFile()).start();
  }

  @Test
  void demoReportsItsAddressesServesAndStopsOnSigterm() throws Exception {
    process =
        launch(
            "demo",
            "--json",
            "--grpc-port",
            "0",
            "--http-port",
            "0",
            "--sandbox-port",
            "0",
            "--data-dir",
            dir.resolve("data").toString());
    BufferedReader stdout =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = CompletableFuture.supplyAsync(() -> readLine(stdout)).get(60, TimeUnit.SECONDS);
    JsonNode addresses = json.readTree(line);
    assertThat(addresses.get("tenant").asText()).isEqualTo("tenants/demo");
    assertThat(addresses.get("apps").toString())
        .contains("apps/demo-web", "apps/demo-pkce", "apps/demo-tv", "apps/demo-robot");
    assertThat(addresses.get("sandbox_url").asText()).startsWith("http://127.0.0.1:");
    assertThat(addresses.get("workflows").findValuesAsText("kind"))
        .containsExactlyInAnyOrder(
            "echo", "stream", "question", "question", "fail", "slow", "large");
    assertThat(addresses.get("workflows").findValuesAsText("id"))
        .allMatch(id -> id.matches("[0-9]{19}"));
    assertThat(addresses.get("http_address").asText()).startsWith("127.0.0.1:");
    String[] grpc = addresses.get("grpc_address").asText().split(":");
    channel =
        NettyChannelBuilder.forAddress(grpc[0], Integer.parseInt(grpc[1])).usePlaintext().build();

    // SERVING, and reflection lists both services.
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.newBuilder().setService("").build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(listServices())
        .contains("coze.gateway.v1.AuthService", "coze.gateway.v1.WorkflowService");

    // The workflow service is served: an unknown run is NOT_FOUND.
    try {
      WorkflowServiceGrpc.newBlockingStub(channel)
          .getWorkflowRun(
              GetWorkflowRunRequest.newBuilder().setName("tenants/demo/workflowRuns/r1").build());
      throw new AssertionError("expected NOT_FOUND");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    // SIGTERM: drains and exits.
    process.destroy();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(dir.resolve("stderr.log"));
    assertThat(log).contains("gateway stopped");
  }

  @Test
  void serveRefusesABadConfigurationNamingTheKey() throws Exception {
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, "grpc:\n  port: 99999\n");
    process = launch("serve", "--config", config.toString());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("stderr.log")))
        .contains("grpc.port: must be a port number 0-65535");
  }

  @Test
  void serveRefusesToStartWithoutAVaultKey() throws Exception {
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, "grpc:\n  port: 0\nhttp:\n  port: 0\n");
    process = launch("serve", "--config", config.toString());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("stderr.log")))
        .contains("vault.keys")
        .contains("COZE_GATEWAY_VAULT_KEYS");
  }

  private List<String> listServices() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    names.complete(
                        response.getListServicesResponse().getServiceList().stream()
                            .map(ServiceResponse::getName)
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    names.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> result = names.get(30, TimeUnit.SECONDS);
    requests.onCompleted();
    return result;
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
