package dev.cozegateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One end user's authorization of one app, with its tokens sealed by the vault.
 *
 * @param name {@code tenants/{tenant}/connections/{connection}}
 * @param app the authorized app
 * @param subject the caller's opaque end-user id
 * @param state the lifecycle state
 * @param createTime when first created
 * @param updateTime when last changed
 * @param accessTokenExpireTime when the current access token expires, kept in clear so that
 *     freshness is known without decrypting
 * @param lastRefreshTime when last refreshed; {@code null} before the first refresh
 * @param tokens the {@link TokenSet}, sealed with this connection's name as associated data
 * @param version incremented by every write; stores compare-and-set on it
 * @param refreshIntent the refresh under way, written before the refresh token is sent to Coze;
 *     {@code null} when none is (see {@link RefreshIntent})
 */
public record Connection(
    ConnectionName name,
    AppId app,
    String subject,
    ConnectionState state,
    Instant createTime,
    Instant updateTime,
    Instant accessTokenExpireTime,
    Instant lastRefreshTime,
    SealedSecret tokens,
    long version,
    RefreshIntent refreshIntent) {
  public Connection {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createTime, "createTime");
    Objects.requireNonNull(updateTime, "updateTime");
    Objects.requireNonNull(accessTokenExpireTime, "accessTokenExpireTime");
    Objects.requireNonNull(tokens, "tokens");
  }

  /** A connection with no refresh under way. */
  public Connection(
      ConnectionName name,
      AppId app,
      String subject,
      ConnectionState state,
      Instant createTime,
      Instant updateTime,
      Instant accessTokenExpireTime,
      Instant lastRefreshTime,
      SealedSecret tokens,
      long version) {
    this(
        name,
        app,
        subject,
        state,
        createTime,
        updateTime,
        accessTokenExpireTime,
        lastRefreshTime,
        tokens,
        version,
        null);
  }

  /** The associated data that binds sealed tokens to this connection. */
  public static String tokenContext(ConnectionName name) {
    return "connection-tokens:" + name.name();
  }

  /**
   * This connection after a successful refresh, one version later: {@code ACTIVE}, with no refresh
   * under way.
   */
  public Connection refreshed(Instant now, Instant newExpireTime, SealedSecret newTokens) {
    return new Connection(
        name,
        app,
        subject,
        ConnectionState.ACTIVE,
        createTime,
        now,
        newExpireTime,
        now,
        newTokens,
        version + 1,
        null);
  }

  /**
   * The same tokens sealed again (e.g. under a new primary key), one version later. Nothing the API
   * shows changes, so neither does the update time.
   */
  public Connection resealed(SealedSecret newTokens) {
    return new Connection(
        name,
        app,
        subject,
        state,
        createTime,
        updateTime,
        accessTokenExpireTime,
        lastRefreshTime,
        newTokens,
        version + 1,
        refreshIntent);
  }

  /**
   * This connection in another state, one version later. A refresh under way is forgotten: leaving
   * {@code ACTIVE} ends the refreshes.
   */
  public Connection withState(ConnectionState newState, Instant now) {
    return new Connection(
        name,
        app,
        subject,
        newState,
        createTime,
        now,
        accessTokenExpireTime,
        lastRefreshTime,
        tokens,
        version + 1,
        newState == ConnectionState.ACTIVE ? refreshIntent : null);
  }

  /**
   * This connection with a refresh under way, one version later. Nothing the API shows changes, so
   * neither does the update time.
   */
  public Connection withRefreshIntent(RefreshIntent intent) {
    Objects.requireNonNull(intent, "intent");
    return new Connection(
        name,
        app,
        subject,
        state,
        createTime,
        updateTime,
        accessTokenExpireTime,
        lastRefreshTime,
        tokens,
        version + 1,
        intent);
  }
}
