package dev.cozegateway.domain;

/** The kinds of Coze OAuth app, each with its own flow (see the Coze API reference, §3.1). */
public enum AppType {
  /** Web backend app: authorization code, client secret as bearer. */
  WEB,
  /** Public client: authorization code with PKCE, no secret. */
  PKCE,
  /** Device code flow. */
  DEVICE,
  /** Service app: JWT bearer grant. */
  JWT;

  /** Whether the app runs the browser authorization-code flow. */
  public boolean usesAuthorizationCode() {
    return this == WEB || this == PKCE;
  }
}
