package dev.cozegateway.sandbox;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code /oauth/consent}: GET shows Approve and Deny (or approves at once when auto-approve is on);
 * POST records the decision and sends the browser back to the app's redirect URI with a code or
 * with {@code error=access_denied}.
 */
final class ConsentEndpoint {
  static final String PATH = "/oauth/consent";

  private final Authorizations authorizations;
  private final AtomicBoolean autoApprove;

  ConsentEndpoint(Authorizations authorizations, AtomicBoolean autoApprove) {
    this.authorizations = authorizations;
    this.autoApprove = autoApprove;
  }

  void show(SandboxExchange exchange) throws IOException {
    try {
      String key = exchange.query().required("authorize_key");
      if (autoApprove.get()) {
        approve(exchange, take(key));
        return;
      }
      Authorizations.Request request =
          authorizations.pending(key).orElseThrow(ConsentEndpoint::unknownKey);
      exchange.sendHtml(200, Pages.consent(key, request.clientId(), request.redirectUri()));
    } catch (OAuthException e) {
      exchange.sendPageError(e);
    }
  }

  void decide(SandboxExchange exchange) throws IOException {
    try {
      Params form = Params.parse(exchange.bodyText());
      String key = form.required("authorize_key");
      String decision = form.required("decision");
      // Validate the decision before taking the key, so a bad form does not burn the request.
      switch (decision) {
        case "approve" -> approve(exchange, take(key));
        case "deny" -> deny(exchange, take(key));
        default -> throw OAuthException.invalidRequest("decision");
      }
    } catch (OAuthException e) {
      exchange.sendPageError(e);
    }
  }

  private Authorizations.Request take(String key) throws OAuthException {
    return authorizations.takePending(key).orElseThrow(ConsentEndpoint::unknownKey);
  }

  private void approve(SandboxExchange exchange, Authorizations.Request request)
      throws IOException {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("code", authorizations.issueCode(request));
    exchange.redirect(backToApp(request, params));
  }

  private static void deny(SandboxExchange exchange, Authorizations.Request request)
      throws IOException {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("error", "access_denied");
    params.put("error_description", "the user denied the authorization request");
    exchange.redirect(backToApp(request, params));
  }

  /** The redirect URI with {@code params} and the client's {@code state}, if it sent one. */
  private static String backToApp(Authorizations.Request request, Map<String, String> params) {
    if (request.state() != null) {
      params.put("state", request.state());
    }
    StringBuilder location = new StringBuilder(request.redirectUri());
    char separator = request.redirectUri().contains("?") ? '&' : '?';
    for (Map.Entry<String, String> param : params.entrySet()) {
      location
          .append(separator)
          .append(param.getKey())
          .append('=')
          .append(URLEncoder.encode(param.getValue(), StandardCharsets.UTF_8));
      separator = '&';
    }
    return location.toString();
  }

  private static OAuthException unknownKey() {
    // Unknown, already decided, or older than the consent lifetime.
    return OAuthException.invalidRequest("authorize_key");
  }
}
