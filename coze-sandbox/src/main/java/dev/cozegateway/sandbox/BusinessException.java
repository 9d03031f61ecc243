package dev.cozegateway.sandbox;

import java.util.Map;

/**
 * A business-API error answer (§2 (a)): a non-zero Coze {@code code} and its {@code msg}, sent as
 * HTTP 200. Like {@link OAuthException}, control flow for the chain of early exits in request
 * validation, so it carries no stack trace.
 */
final class BusinessException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Messages from §2.3 where known; descriptive ones otherwise (clients never match on them). */
  private static final Map<Integer, String> MESSAGES =
      Map.ofEntries(
          Map.entry(4000, "Request parameter error"),
          Map.entry(4008, "The daily usage limit has been reached"),
          Map.entry(4009, "The system request ceiling has been reached, please try again later"),
          Map.entry(4013, "Model service error"),
          Map.entry(4100, "authentication is invalid"),
          Map.entry(4101, "The token you entered is incorrect. Please double-check and try again."),
          Map.entry(4200, "Resource not found"),
          Map.entry(4314, "The execution record does not exist"),
          Map.entry(4315, "The workflow execution has already finished and cannot be resumed"),
          Map.entry(5000, "Internal server error, please try again later"),
          Map.entry(
              6003,
              "Workflow execution with is_async=true is a premium feature available only to Coze"
                  + " Professional users"),
          Map.entry(700012006, "access token invalid"));

  private final int code;

  BusinessException(int code, String msg) {
    super(msg, null, false, false);
    this.code = code;
  }

  /** An error with the known (or a generic) message for {@code code}. */
  static BusinessException of(int code) {
    return new BusinessException(code, defaultMessage(code));
  }

  /** 4000 naming what was wrong. */
  static BusinessException badRequest(String detail) {
    return new BusinessException(4000, MESSAGES.get(4000) + ": " + detail);
  }

  static String defaultMessage(int code) {
    return MESSAGES.getOrDefault(code, "sandbox error " + code);
  }

  int code() {
    return code;
  }

  String msg() {
    return getMessage();
  }
}
