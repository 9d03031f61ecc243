package dev.cozegateway.domain;

/**
 * Why an authorization is DENIED or FAILED. Never contains a token or secret.
 *
 * @param reason stable, e.g. {@code access_denied} from Coze or {@code CODE_EXCHANGE_FAILED}
 * @param message human-readable
 * @param cozeLogId the Coze log id of the failing call, or empty
 */
public record AuthorizationError(String reason, String message, String cozeLogId) {}
