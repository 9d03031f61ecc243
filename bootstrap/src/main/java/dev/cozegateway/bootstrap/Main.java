package dev.cozegateway.bootstrap;

import dev.cozegateway.bootstrap.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code coze-gateway} command line. */
@Command(
    name = "coze-gateway",
    mixinStandardHelpOptions = true,
    version = "coze-gateway 0.1.0",
    description = "A gRPC gateway that brokers Coze OAuth for internal services.",
    subcommands = {
      ServeCommand.class,
      DemoCommand.class,
      SandboxCommand.class,
      KeygenCommand.class,
      SealCommand.class,
      RotateKeysCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(
            (e, cmd, parseResult) -> {
              if (e instanceof ConfigException) {
                cmd.getErr().println(e.getMessage());
                return 2;
              }
              throw e;
            });
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }
}
