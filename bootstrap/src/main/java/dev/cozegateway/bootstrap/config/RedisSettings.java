package dev.cozegateway.bootstrap.config;

import java.time.Duration;
import java.util.List;

/**
 * The Redis store's settings ({@code store.redis.*}), before the password reference is resolved.
 *
 * @param mode {@code standalone}, {@code sentinel} or {@code cluster}
 * @param passwordRef {@code env:NAME}, {@code file:/path} or {@code enc:…}; empty for none
 * @param sentinelNodes {@code host:port} of each sentinel (sentinel mode)
 * @param clusterNodes {@code host:port} of some cluster nodes to start from (cluster mode)
 * @param waitReplicas how many replicas must acknowledge each connection write (WAIT) before it
 *     returns; 0 for none
 * @param waitTimeout how long WAIT waits for them
 */
public record RedisSettings(
    String mode,
    String host,
    int port,
    String user,
    String passwordRef,
    boolean tls,
    int database,
    String keyPrefix,
    Duration connectTimeout,
    Duration socketTimeout,
    int poolSize,
    int waitReplicas,
    Duration waitTimeout,
    String sentinelMasterName,
    List<String> sentinelNodes,
    String sentinelUser,
    String sentinelPasswordRef,
    List<String> clusterNodes) {}
