package dev.cozegateway.domain;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * A Coze OAuth app configured in the gateway.
 *
 * @param id {@code apps/{app}}
 * @param type the kind of app, which decides the flow
 * @param region where the app's Coze lives
 * @param clientId the Coze client id
 * @param clientSecret the client secret for WEB apps; {@code null} for public apps
 * @param clientSecretRef where the secret came from ({@code env:…}, {@code file:…}, {@code enc:}),
 *     safe to show
 * @param redirectUri the redirect URI registered at Coze; must match exactly
 * @param allowedReturnUris where the browser may be sent after the callback
 * @param privateKey JWT apps only: the RSA private key as PEM (PKCS#8 or PKCS#1) that signs their
 *     JWTs; {@code null} for other apps
 * @param keyId JWT apps only: the public key's fingerprint registered at Coze (the JWT {@code
 *     kid}); empty for other apps
 * @param tokenLifetime JWT apps only: the lifetime asked for each token ({@code duration_seconds}),
 *     1 s to 86399 s; {@code null} for Coze's default, 900 s
 * @param accountId JWT apps only: mint through {@code /account/{account_id}/token}, or empty
 * @param enterpriseId JWT apps only: mint through {@code /enterprise_id/{enterprise_id}/token}, or
 *     empty (never with an account id)
 */
public record App(
    AppId id,
    AppType type,
    CozeRegion region,
    String clientId,
    Secret clientSecret,
    String clientSecretRef,
    URI redirectUri,
    Set<URI> allowedReturnUris,
    Secret privateKey,
    String keyId,
    Duration tokenLifetime,
    String accountId,
    String enterpriseId) {
  /** Coze's default lifetime of a JWT app's token. */
  public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(900);

  public App {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(clientId, "clientId");
    allowedReturnUris = Set.copyOf(allowedReturnUris);
    if (type == AppType.WEB && clientSecret == null) {
      throw new IllegalArgumentException("a WEB app needs a client secret");
    }
    keyId = keyId == null ? "" : keyId;
    tokenLifetime = tokenLifetime == null ? DEFAULT_TOKEN_LIFETIME : tokenLifetime;
    accountId = accountId == null ? "" : accountId;
    enterpriseId = enterpriseId == null ? "" : enterpriseId;
    if (!accountId.isEmpty() && !enterpriseId.isEmpty()) {
      throw new IllegalArgumentException("an account id or an enterprise id, not both");
    }
  }

  /** A JWT app minting through the plain token endpoint with Coze's default lifetime. */
  public App(
      AppId id,
      AppType type,
      CozeRegion region,
      String clientId,
      Secret clientSecret,
      String clientSecretRef,
      URI redirectUri,
      Set<URI> allowedReturnUris,
      Secret privateKey,
      String keyId) {
    this(
        id,
        type,
        region,
        clientId,
        clientSecret,
        clientSecretRef,
        redirectUri,
        allowedReturnUris,
        privateKey,
        keyId,
        null,
        "",
        "");
  }

  /** Whether this JWT app can sign: it has a private key and a key id (configuration checks it). */
  public boolean canSignJwts() {
    return type == AppType.JWT && privateKey != null && !keyId.isEmpty();
  }

  /** An app that signs no JWTs (every type but JWT). */
  public App(
      AppId id,
      AppType type,
      CozeRegion region,
      String clientId,
      Secret clientSecret,
      String clientSecretRef,
      URI redirectUri,
      Set<URI> allowedReturnUris) {
    this(
        id,
        type,
        region,
        clientId,
        clientSecret,
        clientSecretRef,
        redirectUri,
        allowedReturnUris,
        null,
        "",
        null,
        "",
        "");
  }
}
