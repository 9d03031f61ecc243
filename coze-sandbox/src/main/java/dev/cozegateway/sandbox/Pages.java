package dev.cozegateway.sandbox;

/** The sandbox's few HTML pages, deliberately plain so a test or a person can drive them. */
final class Pages {
  private Pages() {}

  /**
   * The consent page: two forms posting {@code authorize_key} and {@code decision} ({@code approve}
   * or {@code deny}) to {@code /oauth/consent}.
   */
  static String consent(String authorizeKey, String clientId, String redirectUri) {
    String key = escape(authorizeKey);
    return page(
        "Authorize app",
        "<h1>Authorize app</h1>\n"
            + "<p>The app <code>"
            + escape(clientId)
            + "</code> asks to act on your behalf in Coze (sandbox).</p>\n"
            + "<p>You will be sent back to <code>"
            + escape(redirectUri)
            + "</code>.</p>\n"
            + decisionForm(key, "approve", "Approve")
            + decisionForm(key, "deny", "Deny"));
  }

  /**
   * The device verification page: one form posting {@code user_code} and {@code decision} ({@code
   * approve} or {@code deny}) to {@code /oauth/device}, the code prefilled when known.
   *
   * @param userCode the code from {@code ?user_code=}, or {@code null}
   * @param pending the pending request behind it, or {@code null} if none (or none given)
   */
  static String deviceVerification(String userCode, DeviceCodes.Pending pending) {
    StringBuilder body = new StringBuilder("<h1>Connect a device</h1>\n");
    if (pending != null) {
      body.append("<p>The app <code>")
          .append(escape(pending.clientId()))
          .append("</code> asks to act on your behalf in Coze (sandbox)");
      if (pending.workspaceId() != null) {
        body.append(" in workspace <code>").append(escape(pending.workspaceId())).append("</code>");
      }
      body.append(".</p>\n");
    } else {
      body.append("<p>Enter the code shown on your device.</p>\n");
    }
    body.append("<form method=\"post\" action=\"")
        .append(DeviceCodeEndpoint.PAGE_PATH)
        .append("\"><label>Code <input name=\"user_code\" id=\"user_code\" value=\"")
        .append(userCode == null ? "" : escape(userCode))
        .append("\" autocomplete=\"off\"></label>")
        .append("<button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">")
        .append("Approve</button>")
        .append("<button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">")
        .append("Deny</button></form>\n");
    return page("Connect a device", body.toString());
  }

  /** The page after a decision on the verification page. */
  static String deviceDecided(boolean approved) {
    return approved
        ? page(
            "Device connected",
            "<h1>Device connected</h1>\n<p>You can return to your device.</p>\n")
        : page("Request denied", "<h1>Request denied</h1>\n<p>The device was not connected.</p>\n");
  }

  /** A page naming an OAuth error, for browsers that hit a bad authorize or consent request. */
  static String error(String errorCode, String errorMessage) {
    return page(
        "Authorization failed",
        "<h1>Authorization failed</h1>\n<p><code>"
            + escape(errorCode)
            + "</code>: "
            + escape(errorMessage)
            + "</p>\n");
  }

  private static String decisionForm(String escapedKey, String decision, String label) {
    return "<form method=\"post\" action=\"/oauth/consent\">"
        + "<input type=\"hidden\" name=\"authorize_key\" value=\""
        + escapedKey
        + "\">"
        + "<input type=\"hidden\" name=\"decision\" value=\""
        + decision
        + "\">"
        + "<button type=\"submit\" id=\""
        + decision
        + "\">"
        + label
        + "</button></form>\n";
  }

  private static String page(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
        + escape(title)
        + " · Coze sandbox</title></head>\n<body>\n"
        + body
        + "</body></html>\n";
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
