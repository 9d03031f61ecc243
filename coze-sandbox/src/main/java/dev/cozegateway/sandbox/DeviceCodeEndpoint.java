package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The device flow's two non-token endpoints (§3.8).
 *
 * <ul>
 *   <li>{@code POST /api/permission/oauth2/device/code} and {@code POST
 *       /api/permission/oauth2/workspace_id/{id}/device/code}: JSON {@code {"client_id"}} of a
 *       device app, no credential → {@code device_code}, {@code user_code}, {@code
 *       verification_uri}, {@code expires_in} (a duration, not a timestamp) and {@code interval}.
 *       Like Coze, no {@code verification_uri_complete}: clients build {@code verification_uri +
 *       "?user_code=" + user_code} themselves, and the page below prefills the code from it.
 *   <li>{@code GET /oauth/device[?user_code=…]}: the verification page, a form to enter the user
 *       code and approve or deny; {@code POST /oauth/device} (form {@code user_code}, {@code
 *       decision} = {@code approve} or {@code deny}) records the decision.
 * </ul>
 */
final class DeviceCodeEndpoint {
  static final String PAGE_PATH = "/oauth/device";

  private final ClientAuthentication clients;
  private final DeviceCodes deviceCodes;
  private final String verificationUri;

  DeviceCodeEndpoint(ClientAuthentication clients, DeviceCodes deviceCodes, String baseUrl) {
    this.clients = clients;
    this.deviceCodes = deviceCodes;
    this.verificationUri = baseUrl + PAGE_PATH;
  }

  /**
   * @param workspaceId the workspace from the path, or {@code null} on the plain endpoint
   */
  void issue(SandboxExchange exchange, String workspaceId) throws IOException {
    try {
      if (!exchange.hasContentType("application/json")) {
        throw OAuthException.invalidRequest("Content-Type must be application/json");
      }
      TokenRequest request =
          new TokenRequest(exchange.jsonBody(), exchange.header("Authorization"));
      SandboxApp app = clients.authenticate(request, false, ClientAuthentication.DEVICE_APPS);
      DeviceCodes.Issued issued = deviceCodes.issue(app.clientId(), workspaceId);
      ObjectNode body = exchange.newObject();
      body.put("device_code", issued.deviceCode());
      body.put("user_code", issued.userCode());
      body.put("verification_uri", verificationUri);
      body.put("expires_in", deviceCodes.lifetime().toSeconds());
      body.put("interval", deviceCodes.interval().toSeconds());
      exchange.sendJson(200, body);
    } catch (OAuthException e) {
      exchange.sendOAuthError(e);
    }
  }

  /** The verification page, the user code prefilled from {@code ?user_code=} when given. */
  void show(SandboxExchange exchange) throws IOException {
    try {
      String userCode = exchange.query().optional("user_code");
      DeviceCodes.Pending pending =
          userCode == null ? null : deviceCodes.pending(userCode).orElse(null);
      exchange.sendHtml(200, Pages.deviceVerification(userCode, pending));
    } catch (OAuthException e) {
      exchange.sendPageError(e);
    }
  }

  /** Records the decision posted by the verification page's form. */
  void decide(SandboxExchange exchange) throws IOException {
    try {
      Params form = Params.parse(exchange.bodyText());
      String userCode = form.required("user_code");
      boolean approve =
          switch (form.required("decision")) {
            case "approve" -> true;
            case "deny" -> false;
            default -> throw OAuthException.invalidRequest("decision");
          };
      decide(userCode, approve);
      exchange.sendHtml(200, Pages.deviceDecided(approve));
    } catch (OAuthException e) {
      exchange.sendPageError(e);
    }
  }

  /**
   * Approves or denies the pending request behind {@code userCode}; an unknown, expired or already
   * decided user code is {@code invalid request: user_code}.
   */
  void decide(String userCode, boolean approve) throws OAuthException {
    if (deviceCodes.decide(userCode, approve) != DeviceCodes.Decision.DECIDED) {
      throw OAuthException.invalidRequest("user_code");
    }
  }
}
