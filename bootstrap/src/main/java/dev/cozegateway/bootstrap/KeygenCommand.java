package dev.cozegateway.bootstrap;

import dev.cozegateway.adapters.vault.KeyRing;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code keygen}: prints a new AES-256 key as a key-ring entry. */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    description = {
      "Print a new 256-bit vault key as id:base64.",
      "Add it to COZE_GATEWAY_VAULT_KEYS (comma separated) or vault.key-file (one per line);"
          + " set vault.primary-key to its id to make it the key new writes use."
    })
final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--id", description = "key id (default: k<unix time>)")
  String id;

  @Override
  public Integer call() {
    String keyId = id != null ? id : "k" + (System.currentTimeMillis() / 1000);
    System.out.println(KeyRing.generateKeyLine(keyId));
    return 0;
  }
}
