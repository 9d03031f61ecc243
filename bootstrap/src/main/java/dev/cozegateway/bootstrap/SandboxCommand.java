package dev.cozegateway.bootstrap;

import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
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

  @Override
  public Integer call() throws Exception {
    CozeSandbox sandbox = CozeSandbox.start(SandboxConfig.demo(port));
    System.out.println("coze sandbox listening on " + sandbox.baseUrl());
    System.out.println("  web app:  client id " + SandboxConfig.DEMO_WEB_CLIENT_ID);
    System.out.println("  pkce app: client id " + SandboxConfig.DEMO_PKCE_CLIENT_ID);
    System.out.println("  redirect URIs " + SandboxConfig.DEMO_REDIRECT_URIS);
    System.out.flush();
    Lifecycle.runUntilSignalled(sandbox);
    return 0;
  }
}
