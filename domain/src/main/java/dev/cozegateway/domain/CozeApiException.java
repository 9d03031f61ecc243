package dev.cozegateway.domain;

/**
 * Coze answered an API call with a business error: a non-zero {@code code} in its envelope
 * (including a JSON envelope where an event stream was expected), or HTTP 401 (read as 4100). An
 * {@code Error} event inside a stream is an event, not this exception. The use cases decide what it
 * means; transport failures are {@link GatewayException.Unavailable} instead.
 *
 * <p>The message is Coze's {@code msg}, which never holds the caller's token.
 */
public final class CozeApiException extends RuntimeException {
  /** Authentication invalid: a wrong, expired or other-region token. */
  public static final int AUTHENTICATION_INVALID = 4100;

  /** Access token invalid, as some endpoints say it. */
  public static final int ACCESS_TOKEN_INVALID = 700012006;

  private final int code;
  private final String logId;

  public CozeApiException(int code, String message, String logId) {
    super(message == null ? "" : message, null, false, false);
    this.code = code;
    this.logId = logId == null ? "" : logId;
  }

  /** Coze's error code, e.g. 4200. */
  public int code() {
    return code;
  }

  /** Coze's log id of the failing call, or empty. */
  public String logId() {
    return logId;
  }

  /** Whether Coze refused the token itself (so a refresh may help). */
  public boolean isTokenInvalid() {
    return code == AUTHENTICATION_INVALID || code == ACCESS_TOKEN_INVALID;
  }

  @Override
  public String toString() {
    return "CozeApiException{code=" + code + ", msg=" + getMessage() + ", logid=" + logId + "}";
  }
}
