package dev.cozegateway.domain;

import java.net.URI;
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
    String keyId) {
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
        "");
  }
}
