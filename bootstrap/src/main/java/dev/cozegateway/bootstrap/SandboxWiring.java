package dev.cozegateway.bootstrap;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cozegateway.adapters.vault.KeyRing;
import dev.cozegateway.adapters.vault.SecretReferences;
import dev.cozegateway.domain.port.SecretVault;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * The configuration of a gateway wired to a Coze sandbox's demo apps: what {@code demo} runs, and
 * what the end-to-end tests start.
 */
final class SandboxWiring {
  static final String TENANT = "tenants/demo";
  static final String WEB_APP = "demo-web";
  static final String PKCE_APP = "demo-pkce";
  static final String DEVICE_APP = "demo-tv";
  static final String JWT_APP = "demo-robot";

  private SandboxWiring() {}

  /** The gateway's callback URI on {@code httpPort}, which the sandbox's apps must register. */
  static String callbackUri(int httpPort) {
    return "http://127.0.0.1:" + httpPort + "/oauth/callback";
  }

  /**
   * A configuration tree: the demo's web, PKCE, device and JWT apps on the sandbox, the web secret
   * and the JWT app's private key sealed with the ring.
   */
  static ObjectNode configTree(
      CozeSandbox sandbox, KeyRing keyRing, int grpcPort, int httpPort, Path dataDir) {
    SecretVault vault = Vaults.create(keyRing);
    String callback = callbackUri(httpPort);
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.putObject("grpc").put("host", "127.0.0.1").put("port", grpcPort);
    root.putObject("http").put("host", "127.0.0.1").put("port", httpPort);
    root.putObject("store").put("data-dir", dataDir.toString());
    ArrayNode apps = root.putArray("apps");
    apps.addObject()
        .put("id", WEB_APP)
        .put("type", "web")
        .put("region", sandbox.baseUrl().toString())
        .put("client-id", SandboxConfig.DEMO_WEB_CLIENT_ID)
        .put("client-secret", SecretReferences.seal(vault, SandboxConfig.DEMO_WEB_CLIENT_SECRET))
        .put("redirect-uri", callback);
    apps.addObject()
        .put("id", PKCE_APP)
        .put("type", "pkce")
        .put("region", sandbox.baseUrl().toString())
        .put("client-id", SandboxConfig.DEMO_PKCE_CLIENT_ID)
        .put("redirect-uri", callback);
    apps.addObject()
        .put("id", DEVICE_APP)
        .put("type", "device")
        .put("region", sandbox.baseUrl().toString())
        .put("client-id", SandboxConfig.DEMO_DEVICE_CLIENT_ID);
    apps.addObject()
        .put("id", JWT_APP)
        .put("type", "jwt")
        .put("region", sandbox.baseUrl().toString())
        .put("client-id", SandboxConfig.DEMO_JWT_CLIENT_ID)
        .put("private-key", SecretReferences.seal(vault, SandboxConfig.demoJwtPrivateKeyPem()))
        .put("key-id", SandboxConfig.DEMO_JWT_KEY_ID);
    return root;
  }

  /** A port that was free a moment ago, for when a URI must name the port before it is bound. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
