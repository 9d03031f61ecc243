package dev.cozegateway.sandbox;

/**
 * Counters of JWT-bearer activity (§3.7) since the sandbox started, on all three JWT token
 * endpoints together.
 *
 * @param mints {@code czs_} tokens issued
 * @param rejections JWT-bearer requests refused, for any reason (the jti ones included)
 * @param jtiRejections JWT-bearer requests refused because their {@code jti} had been used before
 */
public record JwtStats(long mints, long rejections, long jtiRejections) {}
