package dev.cozegateway.application;

import dev.cozegateway.domain.AppDirectory;
import dev.cozegateway.domain.port.AuthorizationStore;
import dev.cozegateway.domain.port.ConnectionStore;
import dev.cozegateway.domain.port.CozeOAuth;
import dev.cozegateway.domain.port.RefreshLeases;
import dev.cozegateway.domain.port.SecretVault;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Builds the OAuth broker's use cases from its ports, with plain constructors: the one place that
 * knows how they fit together. The bootstrap's injector calls it; tests call it directly.
 *
 * <p>{@code leaseTtl} is how long a refresh lease lives unless renewed (see {@link
 * GetAccessToken#DEFAULT_LEASE_TTL}); between {@link GetAccessToken#MIN_LEASE_TTL} and {@link
 * GetAccessToken#MAX_LEASE_TTL}.
 */
public final class AuthUseCases {
  private final StartAuthorization startAuthorization;
  private final CompleteAuthorization completeAuthorization;
  private final GetAuthorization getAuthorization;
  private final GetAccessToken getAccessToken;
  private final GetConnection getConnection;
  private final ListConnections listConnections;
  private final DeleteConnection deleteConnection;

  public AuthUseCases(
      AppDirectory apps,
      ConnectionStore connections,
      AuthorizationStore authorizations,
      SecretVault vault,
      CozeOAuth coze,
      RefreshLeases leases,
      Duration leaseTtl,
      InstantSource clock,
      SecureRandom random) {
    this(
        apps,
        connections,
        authorizations,
        vault,
        coze,
        leases,
        leaseTtl,
        GetAccessToken.DEFAULT_PERSIST_TIMEOUT,
        clock,
        random);
  }

  /**
   * @param persistTimeout how long a granted refresh keeps trying to store its tokens (see {@link
   *     GetAccessToken#DEFAULT_PERSIST_TIMEOUT})
   */
  public AuthUseCases(
      AppDirectory apps,
      ConnectionStore connections,
      AuthorizationStore authorizations,
      SecretVault vault,
      CozeOAuth coze,
      RefreshLeases leases,
      Duration leaseTtl,
      Duration persistTimeout,
      InstantSource clock,
      SecureRandom random) {
    AuthorizationSupport support = new AuthorizationSupport(apps, vault, coze);
    Codes codes = new Codes(random);
    this.startAuthorization =
        new StartAuthorization(apps, authorizations, vault, clock, codes, support);
    ConnectionGrants grants = new ConnectionGrants(connections, vault);
    this.completeAuthorization =
        new CompleteAuthorization(apps, authorizations, grants, coze, clock, support);
    this.getAuthorization = new GetAuthorization(authorizations, clock, support);
    this.getAccessToken =
        new GetAccessToken(apps, connections, vault, coze, clock, leases, leaseTtl, persistTimeout);
    this.getConnection = new GetConnection(connections);
    this.listConnections = new ListConnections(connections);
    this.deleteConnection = new DeleteConnection(connections);
  }

  public StartAuthorization startAuthorization() {
    return startAuthorization;
  }

  public CompleteAuthorization completeAuthorization() {
    return completeAuthorization;
  }

  public GetAuthorization getAuthorization() {
    return getAuthorization;
  }

  public GetAccessToken getAccessToken() {
    return getAccessToken;
  }

  public GetConnection getConnection() {
    return getConnection;
  }

  public ListConnections listConnections() {
    return listConnections;
  }

  public DeleteConnection deleteConnection() {
    return deleteConnection;
  }
}
