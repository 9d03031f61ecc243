package dev.cozegateway.sandbox;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A test's own sandbox on {@link SandboxTestClient#config()} and its client, closed after it. */
final class SandboxFixture implements AfterEachCallback {
  private final boolean checkLogIds;
  private final CozeSandbox sandbox = CozeSandbox.start(SandboxTestClient.config());
  private final SandboxTestClient http = new SandboxTestClient(sandbox);

  private SandboxFixture(boolean checkLogIds) {
    this.checkLogIds = checkLogIds;
  }

  /** A fixture that, after the test, also asserts every response carried a log id. */
  static SandboxFixture checkingLogIds() {
    return new SandboxFixture(true);
  }

  /** A fixture for a test that checks log ids itself. */
  static SandboxFixture withoutLogIdCheck() {
    return new SandboxFixture(false);
  }

  CozeSandbox sandbox() {
    return sandbox;
  }

  SandboxTestClient http() {
    return http;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      if (checkLogIds) {
        http.assertEveryResponseCarriedLogId();
      }
    } finally {
      sandbox.close();
    }
  }
}
