package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.SecretVault;
import java.time.Instant;

/** What the authorization use cases share: rebuilding the authorize URI and lazy expiry. */
final class AuthorizationSupport {
  private final AppDirectory apps;
  private final AuthorizationStore store;
  private final SecretVault vault;
  private final CozeOAuth coze;

  AuthorizationSupport(
      AppDirectory apps, AuthorizationStore store, SecretVault vault, CozeOAuth coze) {
    this.apps = apps;
    this.store = store;
    this.vault = vault;
    this.coze = coze;
  }

  /** The caller's view; a PENDING authorization past its expiry is recorded as EXPIRED first. */
  AuthorizationDetails details(Authorization authorization, Instant now) {
    Authorization current = expireIfDue(authorization, now);
    if (current.state() != AuthorizationState.PENDING) {
      return new AuthorizationDetails(current, null);
    }
    SecretCodec.AuthorizationSecrets secrets = openSecrets(current);
    App app = apps.require(current.app());
    return new AuthorizationDetails(
        current,
        coze.authorizeUri(
            app, secrets.state().reveal(), Codes.s256Challenge(secrets.codeVerifier().reveal())));
  }

  Authorization expireIfDue(Authorization authorization, Instant now) {
    if (authorization.state() == AuthorizationState.PENDING
        && !now.isBefore(authorization.expireTime())) {
      Authorization expired = authorization.finished(AuthorizationState.EXPIRED, null);
      store.update(expired);
      return expired;
    }
    return authorization;
  }

  SecretCodec.AuthorizationSecrets openSecrets(Authorization authorization) {
    return SecretCodec.decodeAuthorization(
        vault.open(authorization.secrets(), Authorization.secretsContext(authorization.name())));
  }
}
