package dev.cozegateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** Starting, addressing and stopping a sandbox. */
class CozeSandboxLifecycleTest {

  @Test
  void portZeroBindsAFreeLoopbackPort() {
    try (CozeSandbox sandbox = CozeSandbox.start(SandboxConfig.defaults())) {
      assertThat(sandbox.port()).isPositive();
      assertThat(sandbox.baseUrl().toString()).isEqualTo("http://127.0.0.1:" + sandbox.port());
    }
  }

  @Test
  void aTakenPortFailsToStart() {
    try (CozeSandbox first = CozeSandbox.start(SandboxConfig.defaults())) {
      assertThatThrownBy(() -> CozeSandbox.start(SandboxConfig.defaults().withPort(first.port())))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining(String.valueOf(first.port()));
    }
  }

  @Test
  void closeStopsListeningAndIsIdempotent() throws IOException {
    CozeSandbox sandbox = CozeSandbox.start(SandboxConfig.defaults());
    int port = sandbox.port();

    sandbox.close();
    sandbox.close();

    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void theConfiguredClockIsTheSandboxClock() {
    SandboxClock clock = new SandboxClock();
    try (CozeSandbox sandbox = CozeSandbox.start(SandboxConfig.defaults().withClock(clock))) {
      assertThat(sandbox.clock()).isSameAs(clock);
    }
  }

  @Test
  void theDemoConfigServesBothDemoApps() {
    try (CozeSandbox sandbox = CozeSandbox.start(SandboxConfig.demo(0).withAutoApprove(true))) {
      SandboxTestClient http = new SandboxTestClient(sandbox);
      String redirect = SandboxConfig.DEMO_REDIRECT_URIS.get(0);

      String webCode = http.approvedCode(SandboxConfig.DEMO_WEB_CLIENT_ID, redirect, null, null);
      String pkceCode =
          http.approvedCode(SandboxConfig.DEMO_PKCE_CLIENT_ID, redirect, "verifier", "plain");

      assertThat(
              http.exchange(
                      SandboxConfig.DEMO_WEB_CLIENT_ID,
                      webCode,
                      redirect,
                      null,
                      "Bearer " + SandboxConfig.DEMO_WEB_CLIENT_SECRET)
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              http.exchange(SandboxConfig.DEMO_PKCE_CLIENT_ID, pkceCode, redirect, "verifier", null)
                  .statusCode())
          .isEqualTo(200);
    }
  }
}
