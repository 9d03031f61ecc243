package dev.cozegateway.sandbox;

/**
 * Counters of token-endpoint activity since the sandbox started.
 *
 * @param codeExchanges successful {@code authorization_code} exchanges
 * @param refreshRedemptions successful {@code refresh_token} redemptions
 * @param refreshRejections {@code refresh_token} requests that named a refresh token and were
 *     refused, for any reason (reuse, expiry, unknown token, wrong client or failed client
 *     authentication)
 */
public record SandboxStats(long codeExchanges, long refreshRedemptions, long refreshRejections) {}
