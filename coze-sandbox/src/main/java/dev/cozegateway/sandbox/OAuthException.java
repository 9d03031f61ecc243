package dev.cozegateway.sandbox;

/**
 * An OAuth error answer (§3.9): HTTP status plus {@code error_code} and {@code error_message}.
 *
 * <p>An exception rather than a result value because request validation is a long chain of early
 * exits, each of which ends the exchange with one fixed response shape. It carries no stack trace:
 * it is control flow, not a fault. Messages never contain tokens, codes or secrets.
 */
final class OAuthException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String errorCode;
  private final String errorDescription;

  private OAuthException(int status, String errorCode, String errorMessage) {
    this(status, errorCode, errorMessage, null);
  }

  private OAuthException(
      int status, String errorCode, String errorMessage, String errorDescription) {
    super(errorMessage, null, false, false);
    this.status = status;
    this.errorCode = errorCode;
    this.errorDescription = errorDescription;
  }

  /** 400 {@code invalid_request}, with Coze's message form {@code invalid request: {parameter}}. */
  static OAuthException invalidRequest(String parameter) {
    return new OAuthException(400, "invalid_request", "invalid request: " + parameter);
  }

  /** 401 {@code invalid_client}: unknown client or wrong credential. */
  static OAuthException invalidClient(String message) {
    return new OAuthException(401, "invalid_client", message);
  }

  /** 400 {@code invalid_grant}: a code or refresh token that is unknown, used, expired or wrong. */
  static OAuthException invalidGrant(String message) {
    return new OAuthException(400, "invalid_grant", message);
  }

  /** 400 {@code unsupported_grant_type}, with Coze's message. */
  static OAuthException unsupportedGrantType(String grantType) {
    return new OAuthException(
        400, "unsupported_grant_type", "not supported grant type: " + grantType);
  }

  /**
   * 400 {@code invalid_request} with a reason after the parameter, for refusals where the bare
   * parameter name would leave a developer guessing (a reused {@code jti}).
   */
  static OAuthException invalidRequest(String parameter, String reason) {
    return new OAuthException(
        400, "invalid_request", "invalid request: " + parameter + " (" + reason + ")");
  }

  /**
   * 401 {@code invalid_client} for a JWT that fails verification, with a message in Coze's form
   * {@code invalid jwt: …} (§3.9, §5.1).
   */
  static OAuthException invalidJwt(String reason) {
    return new OAuthException(401, "invalid_client", "invalid jwt: " + reason);
  }

  /**
   * 400 {@code access_deny} {@code invalid app type} (§3.9): a known app asked for a flow its type
   * does not have, e.g. a web app requesting a device code.
   */
  static OAuthException invalidAppType() {
    return new OAuthException(400, "access_deny", "invalid app type");
  }

  /**
   * 400 with one of the device-polling codes of §3.8 ({@code authorization_pending}, {@code
   * slow_down}, {@code access_denied}, {@code expired_token}); these alone also carry {@code
   * error_description}.
   */
  static OAuthException devicePolling(String errorCode, String errorMessage, String description) {
    return new OAuthException(400, errorCode, errorMessage, description);
  }

  /** 500 {@code internal_error}, with Coze's message. */
  static OAuthException internalError() {
    return new OAuthException(500, "internal_error", "Service internal error.");
  }

  int status() {
    return status;
  }

  String errorCode() {
    return errorCode;
  }

  String errorMessage() {
    return getMessage();
  }

  /** The {@code error_description}, or {@code null}: only device-polling errors carry one. */
  String errorDescription() {
    return errorDescription;
  }
}
