package dev.cozegateway.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxWorkflow;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the Coze sandbox plus a gateway wired to it, on the embedded store, with a
 * development key. Prints the commands to walk through the whole flow.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run a gateway against a local Coze sandbox, and print a grpcurl walkthrough.")
final class DemoCommand implements Callable<Integer> {
  /** The sandbox's demo workflows the walkthrough runs: an echo and a streamed joke. */
  static final String DEMO_ECHO_WORKFLOW = "7431000000000000001";

  static final String DEMO_STREAM_WORKFLOW = "7431000000000000002";

  static final String DEMO_QUIZ_WORKFLOW = "7431000000000000004";

  @Option(names = "--grpc-port", defaultValue = "9090", description = "gRPC port; 0 = any free")
  int grpcPort;

  @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port; 0 = any free")
  int httpPort;

  @Option(
      names = "--sandbox-port",
      defaultValue = "8089",
      description = "Coze sandbox port; 0 = any free")
  int sandboxPort;

  @Option(
      names = "--data-dir",
      defaultValue = "demo-data",
      description = "where the embedded store and the development key live")
  Path dataDir;

  @Option(names = "--json", description = "print one JSON line with the addresses, then run")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = System.getenv();
    // The sandbox must know the callback URI before the gateway binds it, so pick the port now.
    int callbackPort = httpPort == 0 ? SandboxWiring.freePort() : httpPort;
    String callback = SandboxWiring.callbackUri(callbackPort);
    CozeSandbox sandbox = CozeSandbox.start(SandboxConfig.demo(sandboxPort, List.of(callback)));
    Gateway gateway;
    try {
      KeyRing keyRing = KeyRings.development(dataDir);
      GatewayConfig config =
          GatewayConfig.from(
              ConfigSource.of(
                  SandboxWiring.configTree(sandbox, keyRing, grpcPort, callbackPort, dataDir),
                  Map.of()));
      gateway =
          Gateway.start(config, keyRing, env, sandbox.clock(), Telemetry.fromEnvironment(env));
    } catch (RuntimeException | IOException e) {
      sandbox.close();
      throw e;
    }
    if (json) {
      System.out.println(summary(sandbox, gateway));
    } else {
      printWalkthrough(System.out, sandbox, gateway);
    }
    System.out.flush();
    Lifecycle.runUntilSignalled(gateway, sandbox);
    return 0;
  }

  private String summary(CozeSandbox sandbox, Gateway gateway) {
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("grpc_address", "127.0.0.1:" + gateway.grpcPort());
    line.put("http_address", "127.0.0.1:" + gateway.httpPort());
    line.put("sandbox_url", sandbox.baseUrl().toString());
    line.put("tenant", SandboxWiring.TENANT);
    line.putArray("apps")
        .add("apps/" + SandboxWiring.WEB_APP)
        .add("apps/" + SandboxWiring.PKCE_APP)
        .add("apps/" + SandboxWiring.DEVICE_APP)
        .add("apps/" + SandboxWiring.JWT_APP);
    line.put("data_dir", dataDir.toAbsolutePath().toString());
    ArrayNode workflows = line.putArray("workflows");
    for (SandboxWorkflow workflow : SandboxConfig.demoWorkflows()) {
      workflows
          .addObject()
          .put("id", workflow.id())
          .put("name", workflow.name())
          .put("kind", workflow.kind());
    }
    try {
      return new ObjectMapper().writeValueAsString(line);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void printWalkthrough(PrintStream out, CozeSandbox sandbox, Gateway gateway) {
    String grpc = "127.0.0.1:" + gateway.grpcPort();
    String sandboxUrl = sandbox.baseUrl().toString();
    out.println("coze-gateway demo");
    out.println("  grpc listening on    " + grpc);
    out.println("  http listening on    127.0.0.1:" + gateway.httpPort());
    out.println("  coze sandbox on      " + sandboxUrl);
    out.println("  data dir             " + dataDir.toAbsolutePath());
    out.println(
        "  development key in   "
            + dataDir.resolve(KeyRings.DEV_KEY_FILE).toAbsolutePath()
            + "  (demo only: 'serve' needs a configured key)");
    out.println();
    out.println("Walkthrough (grpcurl; reflection is on, no proto files needed):");
    out.println();
    out.println("# 1. The services");
    out.println("grpcurl -plaintext " + grpc + " list");
    out.println();
    out.println("# 2. Start connecting end user 'alice' with the web app");
    out.println(
        "grpcurl -plaintext -d '{\"parent\":\""
            + SandboxWiring.TENANT
            + "\",\"app\":\"apps/"
            + SandboxWiring.WEB_APP
            + "\",\"connection_id\":\"alice\",\"subject\":\"user-alice\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/StartAuthorization");
    out.println();
    out.println("# 3. Open the authorizeUri it printed in a browser and press Approve");
    out.println("#    (or let the sandbox approve by itself, then fetch the URI with curl -L):");
    out.println(
        "curl -s -X POST -H 'Content-Type: application/json' -d '{\"enabled\":true}' "
            + sandboxUrl
            + "/_sandbox/auto-approve");
    out.println("curl -sL '<authorizeUri>'");
    out.println();
    out.println("# 4. The connection, and a valid access token");
    out.println(
        "grpcurl -plaintext -d '{\"name\":\""
            + SandboxWiring.TENANT
            + "/connections/alice\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/GetConnection");
    out.println(
        "grpcurl -plaintext -d '{\"connection\":\""
            + SandboxWiring.TENANT
            + "/connections/alice\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/GetAccessToken");
    out.println();
    out.println("# 5. Let 15 minutes pass at the sandbox: the next GetAccessToken refreshes");
    out.println(
        "curl -s -X POST -H 'Content-Type: application/json' -d '{\"seconds\":900}' "
            + sandboxUrl
            + "/_sandbox/clock/advance");
    out.println(
        "grpcurl -plaintext -d '{\"connection\":\""
            + SandboxWiring.TENANT
            + "/connections/alice\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/GetAccessToken");
    out.println("curl -s " + sandboxUrl + "/_sandbox/stats");
    out.println();
    String alice = SandboxWiring.TENANT + "/connections/alice";
    out.println(
        "# 6. Run the sandbox's echo workflow as alice, stream its joke workflow, list runs");
    out.println(
        "grpcurl -plaintext -d '{\"parent\":\""
            + SandboxWiring.TENANT
            + "\",\"connection\":\""
            + alice
            + "\",\"workflow_id\":\""
            + DEMO_ECHO_WORKFLOW
            + "\",\"parameters\":{\"city\":\"Paris\"}}' "
            + grpc
            + " coze.gateway.v1.WorkflowService/RunWorkflow");
    out.println(
        "grpcurl -plaintext -d '{\"parent\":\""
            + SandboxWiring.TENANT
            + "\",\"connection\":\""
            + alice
            + "\",\"workflow_id\":\""
            + DEMO_STREAM_WORKFLOW
            + "\"}' "
            + grpc
            + " coze.gateway.v1.WorkflowService/StreamWorkflow");
    out.println(
        "grpcurl -plaintext -d '{\"parent\":\""
            + SandboxWiring.TENANT
            + "\"}' "
            + grpc
            + " coze.gateway.v1.WorkflowService/ListWorkflowRuns");
    out.println();
    out.println(
        "# 7. A question node interrupts the run; answer it with the workflowRun and eventId the");
    out.println("#    interrupt event printed");
    out.println(
        "grpcurl -plaintext -d '{\"parent\":\""
            + SandboxWiring.TENANT
            + "\",\"connection\":\""
            + alice
            + "\",\"workflow_id\":\""
            + DEMO_QUIZ_WORKFLOW
            + "\"}' "
            + grpc
            + " coze.gateway.v1.WorkflowService/StreamWorkflow");
    out.println(
        "grpcurl -plaintext -d '{\"name\":\"<workflowRun>\",\"event_id\":\"<eventId>\","
            + "\"interrupt_type\":2,\"resume_data\":\"Paris\"}' "
            + grpc
            + " coze.gateway.v1.WorkflowService/ResumeWorkflowRun");
    out.println();
    out.println(
        "# 8. A TV or CLI: the device flow. Show the end user the userCode and verificationUri;");
    out.println(
        "#    they approve there (or let the sandbox approve); the gateway polls Coze itself");
    out.println(
        "grpcurl -plaintext -d '{\"parent\":\""
            + SandboxWiring.TENANT
            + "\",\"app\":\"apps/"
            + SandboxWiring.DEVICE_APP
            + "\",\"connection_id\":\"tv\",\"subject\":\"user-tv\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/StartDeviceAuthorization");
    out.println(
        "curl -s -X POST -H 'Content-Type: application/json' -d '{\"user_code\":\"<userCode>\"}' "
            + sandboxUrl
            + "/_sandbox/device/approve");
    out.println(
        "grpcurl -plaintext -d '{\"name\":\"<authorization>\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/WatchAuthorization");
    out.println();
    out.println(
        "# 9. A service (JWT) app: a token for one end user's session, minted by signing a JWT");
    out.println(
        "grpcurl -plaintext -d '{\"app_session\":{\"app\":\"apps/"
            + SandboxWiring.JWT_APP
            + "\",\"session_name\":\"user-alice\"}}' "
            + grpc
            + " coze.gateway.v1.AuthService/GetAccessToken");
    out.println();
    out.println("# 10. List connections, then delete alice's");
    out.println(
        "grpcurl -plaintext -d '{\"parent\":\""
            + SandboxWiring.TENANT
            + "\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/ListConnections");
    out.println(
        "grpcurl -plaintext -d '{\"name\":\""
            + SandboxWiring.TENANT
            + "/connections/alice\"}' "
            + grpc
            + " coze.gateway.v1.AuthService/DeleteConnection");
    out.println();
    out.println("Press Ctrl-C to stop.");
  }
}
