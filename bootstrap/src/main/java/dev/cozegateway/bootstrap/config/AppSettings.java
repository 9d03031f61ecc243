package dev.cozegateway.bootstrap.config;

import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import java.net.URI;
import java.util.List;

/**
 * One configured Coze app, before its client secret is resolved.
 *
 * @param key the configuration key it came from, e.g. {@code apps[0]}, for error messages
 * @param clientSecretRef {@code env:NAME}, {@code file:/path} or {@code enc:…}; empty for public
 *     apps
 */
public record AppSettings(
    String key,
    String id,
    AppType type,
    CozeRegion region,
    String clientId,
    String clientSecretRef,
    URI redirectUri,
    List<URI> allowedReturnUris,
    String privateKeyRef,
    String keyId,
    java.time.Duration tokenLifetime,
    String accountId,
    String enterpriseId) {}
