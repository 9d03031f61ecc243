package dev.cozegateway.bootstrap;

import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.bootstrap.config.ConfigException;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Where the vault's key ring comes from: configuration, or the demo's development key. */
final class KeyRings {
  static final String DEV_KEY_FILE = "dev-vault.keys";

  private KeyRings() {}

  /** The configured key ring; {@code serve} refuses to start without one. */
  static KeyRing configured(GatewayConfig config) {
    if (!config.hasVaultKeys()) {
      throw new ConfigException(
          List.of(
              "vault.keys: no encryption key is configured. Set "
                  + ConfigSource.envName("vault.keys")
                  + " (a key ring such as k1:<base64>, made by 'coze-gateway keygen') or"
                  + " vault.key-file ("
                  + ConfigSource.envName("vault.key-file")
                  + ")"));
    }
    try {
      String spec =
          config.vaultKeys() != null
              ? config.vaultKeys().reveal()
              : Files.readString(config.vaultKeyFile());
      return KeyRing.parse(spec, config.vaultPrimaryKey());
    } catch (IOException e) {
      throw new ConfigException(
          List.of("vault.key-file: cannot read " + config.vaultKeyFile() + ": " + e.getMessage()));
    } catch (IllegalArgumentException e) {
      String key = config.vaultKeys() != null ? "vault.keys" : "vault.key-file";
      throw new ConfigException(List.of(key + ": " + e.getMessage()));
    }
  }

  /** The demo's key: generated once into the data directory, readable by the owner only. */
  static KeyRing development(Path dataDir) throws IOException {
    Path file = dataDir.resolve(DEV_KEY_FILE);
    if (!Files.exists(file)) {
      Files.createDirectories(dataDir);
      Files.writeString(file, KeyRing.generateKeyLine("dev") + "\n");
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system; the file keeps the default permissions.
      }
    }
    return KeyRing.parse(Files.readString(file), null);
  }
}
