package dev.cozegateway.adapters.cozehttp;

import static dev.cozegateway.adapters.cozehttp.SandboxBrowser.CALLBACK;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.contract.CozeOAuthContract;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.sandbox.CozeSandbox;
import dev.cozegateway.sandbox.SandboxApp;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link CozeOAuth} contract, held by the HTTP adapter against the Coze sandbox. */
class HttpCozeOAuthContractTest extends CozeOAuthContract {
  @RegisterExtension
  final SandboxBrowser browser =
      new SandboxBrowser(
          SandboxApp.web(TestApps.WEB_CLIENT_ID, TestApps.WEB_SECRET, CALLBACK.toString()));

  private final CozeSandbox sandbox = browser.sandbox();
  private final CozeOAuth oauth =
      TestApps.cozeOAuth(CozeHttpConfig.defaults(), OpenTelemetry.noop());

  @Override
  protected CozeOAuth coze() {
    return oauth;
  }

  @Override
  protected App app() {
    return TestApps.web(sandbox.baseUrl(), TestApps.WEB_CLIENT_ID, TestApps.WEB_SECRET, CALLBACK);
  }

  @Override
  protected Instant now() {
    return sandbox.clock().instant();
  }

  /** Plays the browser through the sandbox's redirects, up to the one to the callback. */
  @Override
  protected String approve(URI authorizeUri) {
    return browser.followToRedirectUri(authorizeUri, CALLBACK).get("code");
  }
}
