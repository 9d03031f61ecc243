package dev.cozegateway.bootstrap;

import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import dev.cozegateway.sandbox.SandboxWorkflow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sandbox}: the Coze sandbox alone, with the demo apps. */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description = "Run the local Coze sandbox (Coze's OAuth wire protocol) with the demo apps.")
final class SandboxCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8089", description = "port; 0 = any free")
  int port;

  @Option(
      names = "--redirect-uri",
      description = "a redirect URI the demo apps accept (repeat for up to 3; default: the demo's)")
  List<String> redirectUris;

  @Option(
      names = "--access-token-lifetime-seconds",
      defaultValue = "900",
      description = "lifetime of issued access tokens (default: Coze's 15 minutes)")
  long accessTokenLifetimeSeconds;

  @Option(names = "--auto-approve", description = "approve every consent without a click")
  boolean autoApprove;

  @Override
  public Integer call() throws Exception {
    CozeSandbox sandbox =
        CozeSandbox.start(
            SandboxConfig.demo(
                    port, redirectUris == null ? SandboxConfig.DEMO_REDIRECT_URIS : redirectUris)
                .withAccessTokenLifetime(Duration.ofSeconds(accessTokenLifetimeSeconds))
                .withAutoApprove(autoApprove));
    System.out.println("coze sandbox listening on " + sandbox.baseUrl());
    System.out.println("  web app:  client id " + SandboxConfig.DEMO_WEB_CLIENT_ID);
    System.out.println("  pkce app: client id " + SandboxConfig.DEMO_PKCE_CLIENT_ID);
    System.out.println("  device app: client id " + SandboxConfig.DEMO_DEVICE_CLIENT_ID);
    System.out.println(
        "  jwt app:  client id "
            + SandboxConfig.DEMO_JWT_CLIENT_ID
            + ", key id "
            + SandboxConfig.DEMO_JWT_KEY_ID
            + " (private key: the "
            + SandboxConfig.DEMO_JWT_PRIVATE_KEY_RESOURCE
            + " resource)");
    for (SandboxWorkflow workflow : SandboxConfig.demoWorkflows()) {
      System.out.println(
          "  workflow " + workflow.id() + " (" + workflow.kind() + "): " + workflow.name());
    }
    System.out.println(
        "  redirect URIs "
            + (redirectUris == null ? SandboxConfig.DEMO_REDIRECT_URIS : redirectUris));
    System.out.flush();
    Lifecycle.runUntilSignalled(sandbox);
    return 0;
  }
}
