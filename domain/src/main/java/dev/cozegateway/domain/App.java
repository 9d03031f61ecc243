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
 */
public record App(
    AppId id,
    AppType type,
    CozeRegion region,
    String clientId,
    Secret clientSecret,
    String clientSecretRef,
    URI redirectUri,
    Set<URI> allowedReturnUris) {
  public App {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(clientId, "clientId");
    allowedReturnUris = Set.copyOf(allowedReturnUris);
    if (type == AppType.WEB && clientSecret == null) {
      throw new IllegalArgumentException("a WEB app needs a client secret");
    }
  }
}
