package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.SecretVault;
import java.time.Instant;
import java.util.Optional;

/** What the authorization use cases share: rebuilding the authorize URI, and expiry. */
final class AuthorizationSupport {
  private final AppDirectory apps;
  private final SecretVault vault;
  private final CozeOAuth coze;

  AuthorizationSupport(AppDirectory apps, SecretVault vault, CozeOAuth coze) {
    this.apps = apps;
    this.vault = vault;
    this.coze = coze;
  }

  /**
   * The caller's view. A PENDING authorization past its expiry is shown as EXPIRED; that is not
   * written back, because a read must not race the callback that may be completing it. (Its state
   * cannot be consumed any more: {@link CompleteAuthorization} checks expiry first.)
   */
  AuthorizationDetails details(Authorization authorization, Instant now) {
    if (isExpired(authorization, now)) {
      return new AuthorizationDetails(
          authorization.finished(AuthorizationState.EXPIRED, null), null);
    }
    if (authorization.state() != AuthorizationState.PENDING || authorization.isDevice()) {
      // A device authorization shows its verification URI instead (in its device grant).
      return new AuthorizationDetails(authorization, null);
    }
    SecretCodec.AuthorizationSecrets secrets = openSecrets(authorization);
    App app = apps.require(authorization.app());
    return new AuthorizationDetails(
        authorization,
        coze.authorizeUri(
            app,
            secrets.state().reveal(),
            Codes.s256Challenge(secrets.codeVerifier().reveal()),
            secrets.workspaceId()));
  }

  /**
   * The workspace a browser authorization's authorize URI names (empty for none), while its sealed
   * secrets are kept; empty once it has finished and dropped them.
   */
  Optional<String> workspaceId(Authorization authorization) {
    if (authorization.isDevice() || authorization.secrets().equals(Authorization.NO_SECRETS)) {
      return Optional.empty();
    }
    return Optional.of(openSecrets(authorization).workspaceId());
  }

  /** Whether a PENDING authorization is past its expiry. */
  boolean isExpired(Authorization authorization, Instant now) {
    return authorization.state() == AuthorizationState.PENDING
        && !now.isBefore(authorization.expireTime());
  }

  SecretCodec.AuthorizationSecrets openSecrets(Authorization authorization) {
    return SecretCodec.decodeAuthorization(
        vault.open(authorization.secrets(), Authorization.secretsContext(authorization.name())));
  }
}
