package dev.cozegateway.bootstrap.config;

import java.time.Duration;

/**
 * The Redis store's settings ({@code store.redis.*}), before the password reference is resolved.
 *
 * @param passwordRef {@code env:NAME}, {@code file:/path} or {@code enc:…}; empty for none
 */
public record RedisSettings(
    String host,
    int port,
    String user,
    String passwordRef,
    boolean tls,
    int database,
    String keyPrefix,
    Duration connectTimeout,
    Duration socketTimeout,
    int poolSize) {}
