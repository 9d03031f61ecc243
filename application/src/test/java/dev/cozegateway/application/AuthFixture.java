package dev.cozegateway.application;

import dev.cozegateway.domain.App;
import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.testing.FakeCozeOAuth;
import dev.cozegateway.domain.testing.FakeSecretVault;
import dev.cozegateway.domain.testing.InMemoryAuthorizationStore;
import dev.cozegateway.domain.testing.InMemoryConnectionStore;
import dev.cozegateway.domain.testing.InMemoryRefreshLeases;
import dev.cozegateway.domain.testing.MutableClock;
import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;

/** The use cases wired to fakes, plus helpers that play the end user at Coze. */
final class AuthFixture {
  static final TenantId TENANT = new TenantId("acme");
  static final AppId WEB_APP = new AppId("web");
  static final AppId DEVICE_APP = new AppId("tv");
  static final AppId JWT_APP = new AppId("robot");
  static final URI RETURN_URI = URI.create("https://app.example.com/done");

  final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
  final InMemoryConnectionStore connections = new InMemoryConnectionStore();
  final InMemoryAuthorizationStore authorizations = new InMemoryAuthorizationStore();
  final FakeSecretVault vault = new FakeSecretVault();
  final FakeCozeOAuth coze = new FakeCozeOAuth(clock);
  final InMemoryRefreshLeases.Shared leaseState = new InMemoryRefreshLeases.Shared();
  final InMemoryRefreshLeases leases = new InMemoryRefreshLeases(leaseState, clock);
  final AppDirectory apps =
      new AppDirectory(
          List.of(
              new App(
                  WEB_APP,
                  AppType.WEB,
                  CozeRegion.COZE_COM,
                  "12345678901234567890123456789012.app.coze",
                  Secret.of("client-secret-value"),
                  "env:WEB_SECRET",
                  URI.create("https://gateway.example.com/oauth/callback"),
                  Set.of(RETURN_URI)),
              new App(
                  DEVICE_APP,
                  AppType.DEVICE,
                  CozeRegion.COZE_CN,
                  "22345678901234567890123456789012.app.coze",
                  null,
                  "",
                  URI.create("https://gateway.example.com/oauth/callback"),
                  Set.of()),
              new App(
                  JWT_APP,
                  AppType.JWT,
                  CozeRegion.COZE_CN,
                  "32345678901234567890123456789012.app.coze",
                  null,
                  "",
                  null,
                  Set.of(),
                  Secret.of(
                      "-----BEGIN PRIVATE KEY-----\nunused by the fake\n-----END PRIVATE KEY-----"),
                  "kid-robot")));
  final AuthUseCases useCases =
      new AuthUseCases(
          apps,
          connections,
          authorizations,
          vault,
          coze,
          leases,
          GetAccessToken.DEFAULT_LEASE_TTL,
          clock,
          new SecureRandom());

  static ConnectionName connection(String id) {
    return new ConnectionName(TENANT, id);
  }

  AuthorizationDetails start(String connectionId) {
    return start(TENANT, connectionId);
  }

  AuthorizationDetails start(TenantId tenant, String connectionId) {
    return useCases
        .startAuthorization()
        .execute(
            new StartAuthorization.Command(
                tenant, WEB_APP, new ConnectionName(tenant, connectionId), "user-1", null, "", ""));
  }

  /** Plays the end user approving at Coze: returns the (state, code) sent to the redirect URI. */
  String[] approve(AuthorizationDetails details) {
    String state = queryParameter(details.authorizeUri(), "state");
    String challenge = queryParameter(details.authorizeUri(), "code_challenge");
    return new String[] {state, coze.approve(challenge)};
  }

  /** Connects a user end to end and returns the connection's name. */
  ConnectionName connect(String connectionId) {
    return connect(TENANT, connectionId);
  }

  ConnectionName connect(TenantId tenant, String connectionId) {
    String[] stateAndCode = approve(start(tenant, connectionId));
    useCases
        .completeAuthorization()
        .execute(CompleteAuthorization.Command.approved(stateAndCode[0], stateAndCode[1]));
    return new ConnectionName(tenant, connectionId);
  }

  static String queryParameter(URI uri, String name) {
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      if (pair.substring(0, eq).equals(name)) {
        return java.net.URLDecoder.decode(
            pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no " + name + " in " + uri);
  }
}
