package dev.cozegateway.domain;

/**
 * Why an authorization is DENIED or FAILED. Never contains a token or secret.
 *
 * @param reason a stable {@link Reason} name: {@code AUTHORIZATION_DENIED}, {@code
 *     CODE_EXCHANGE_FAILED}, {@code COZE_UNAVAILABLE} or {@code STORE_UNAVAILABLE}
 * @param message human-readable; names Coze's own error code when there was one
 * @param cozeLogId the Coze log id of the failing call, or empty
 */
public record AuthorizationError(String reason, String message, String cozeLogId) {}
