package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.bootstrap.config.ConfigException;
import dev.cozegateway.bootstrap.config.ConfigSource;
import dev.cozegateway.bootstrap.config.GatewayConfig;
import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.sandbox.SandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT apps' private keys are resolved and checked at start-up, naming the setting when bad. */
class ConfiguredAppsTest {
  private static final KeyRing RING = KeyRing.parse(KeyRing.generateKeyLine("k1"), null);

  @TempDir Path dir;

  private AppDirectory resolve(String privateKeyRef, Map<String, String> env) throws Exception {
    return resolve(privateKeyRef, "", env);
  }

  private AppDirectory resolve(String privateKeyRef, String extra, Map<String, String> env)
      throws Exception {
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(
        file,
        """
        apps:
          - id: robot
            type: jwt
            region: coze.cn
            client-id: 32345678901234567890123456789012.app.coze
            private-key: %s
            key-id: kid-robot
        %s"""
            .formatted(privateKeyRef, extra));
    GatewayConfig config = GatewayConfig.from(ConfigSource.load(file, env));
    return ConfiguredApps.resolve(config.apps(), env, Vaults.create(RING));
  }

  @Test
  void aPkcs8KeyFromTheEnvironmentIsLoaded() throws Exception {
    AppDirectory apps =
        resolve("env:ROBOT_KEY", Map.of("ROBOT_KEY", SandboxConfig.demoJwtPrivateKeyPem()));

    App robot = apps.require(new AppId("robot"));
    assertThat(robot.type()).isEqualTo(AppType.JWT);
    assertThat(robot.keyId()).isEqualTo("kid-robot");
    assertThat(robot.canSignJwts()).isTrue();
  }

  @Test
  void aCorruptKeyFailsStartUpNamingTheSettingAndShowingNoKeyMaterial() {
    String corrupt =
        "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n"
            + "-----END PRIVATE KEY-----\n";

    assertThatThrownBy(() -> resolve("env:ROBOT_KEY", Map.of("ROBOT_KEY", corrupt)))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.problems())
                  .singleElement()
                  .asString()
                  .startsWith("apps[0].private-key: ");
              assertThat(String.join("\n", e.problems())).doesNotContain("MIIBVQ");
            });
  }

  @Test
  void aPlainPemInTheFileIsRefused() {
    assertThatThrownBy(() -> resolve("\"-----BEGIN PRIVATE KEY-----\"", Map.of()))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("apps[0].private-key: a key is a secret")));
  }

  @Test
  void aJwtAppsTokenLifetimeAndEnterpriseEndpointAreConfigurable() throws Exception {
    Map<String, String> env = Map.of("ROBOT_KEY", SandboxConfig.demoJwtPrivateKeyPem());

    App robot =
        resolve(
                "env:ROBOT_KEY",
                "    token-lifetime: 2h\n    enterprise-id: \"7400000000000000002\"\n",
                env)
            .require(new AppId("robot"));

    assertThat(robot.tokenLifetime()).isEqualTo(java.time.Duration.ofHours(2));
    assertThat(robot.enterpriseId()).isEqualTo("7400000000000000002");
    assertThat(robot.accountId()).isEmpty();
  }

  @Test
  void aTokenLifetimeBeyondCozesLimitAndBothEndpointsAreRefused() {
    Map<String, String> env = Map.of("ROBOT_KEY", SandboxConfig.demoJwtPrivateKeyPem());

    assertThatThrownBy(
            () ->
                resolve(
                    "env:ROBOT_KEY",
                    "    token-lifetime: 1d\n    account-id: \"1\"\n    enterprise-id: \"2\"\n",
                    env))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("apps[0].token-lifetime: must be a duration"))
                    .anyMatch(p -> p.contains("account-id and enterprise-id are mutually")));
  }
}
