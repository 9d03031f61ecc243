package dev.cozegateway.bootstrap;

import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve}: runs the gateway from a configuration file and the environment. */
@Command(name = "serve", description = "Run the gateway.", mixinStandardHelpOptions = true)
final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      description = "YAML configuration file (default: none; environment only)")
  Path config;

  @Option(names = "--grpc-port", description = "gRPC port; 0 = any free port (overrides grpc.port)")
  Integer grpcPort;

  @Option(names = "--http-port", description = "HTTP port; 0 = any free port (overrides http.port)")
  Integer httpPort;

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = System.getenv();
    Map<String, String> overrides = new HashMap<>();
    if (grpcPort != null) {
      overrides.put("grpc.port", grpcPort.toString());
    }
    if (httpPort != null) {
      overrides.put("http.port", httpPort.toString());
    }
    GatewayConfig gatewayConfig =
        GatewayConfig.from(ConfigSource.load(config, env).withOverrides(overrides));
    Gateway gateway =
        Gateway.start(
            gatewayConfig,
            KeyRings.configured(gatewayConfig),
            env,
            InstantSource.system(),
            Telemetry.fromEnvironment(env));
    System.out.println("grpc listening on " + gatewayConfig.grpcHost() + ":" + gateway.grpcPort());
    System.out.println("http listening on " + gatewayConfig.httpHost() + ":" + gateway.httpPort());
    System.out.flush();
    Lifecycle.runUntilSignalled(gateway);
    return 0;
  }
}
