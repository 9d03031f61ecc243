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

  private OAuthException(int status, String errorCode, String errorMessage) {
    super(errorMessage, null, false, false);
    this.status = status;
    this.errorCode = errorCode;
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
}
