package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowRunName;
import java.util.HexFormat;

/**
 * The key layout. Every key of a tenant carries the tenant's Redis Cluster hash tag, {@code
 * {t:<tenant>}}, so that a record and the tenant's indexes live in one slot and one Lua script can
 * change them together, on a single server and in a Redis Cluster alike. With the default prefix:
 *
 * <pre>
 * cozegw:{t:acme}:conn:alice            hash    connection: fields version, record (JSON)
 * cozegw:{t:acme}:conns                 zset    the tenant's connection ids, all score 0 (lex order)
 * cozegw:{t:acme}:lease:alice           string  refresh lease: the holder's owner token, with a TTL
 * cozegw:{t:acme}:authz:a1b2            hash    authorization: fields version, record (JSON),
 *                                               due (its member in authz-due, or ''); with a TTL
 * cozegw:{t:acme}:authz-request:req-1   string  request id -> authorization id, same TTL
 * cozegw:{t:acme}:authz-due             zset    PENDING device authorizations, member
 *                                               {next poll time}:{authorization id}, score 0
 * cozegw:authz-state:9f86d0...          string  state hash (hex) -> authorization name, with a TTL
 * cozegw:authz-tenants                  set     the ids of the tenants that have had a device
 *                                               authorization to poll
 * cozegw:{t:acme}:run:r1                hash    workflow run: version, record (JSON), and the
 *                                               fields the scripts read (see RedisWorkflowRunStore)
 * cozegw:{t:acme}:runs                  zset    every run, member {create time}:{run id}, score 0
 * cozegw:{t:acme}:runs-due              zset    runs with a check time, {check time}:{run id}
 * cozegw:{t:acme}:runs-idle             zset    runs without one, {update time}:{run id}
 * cozegw:{t:acme}:run-request:req-1     string  request id -> run id
 * cozegw:run-tenants                    set     the ids of the tenants that have stored a run
 * cozegw:svc-token:3a7bd3...            hash    JWT service app token, by ServiceTokenKey.id():
 *                                               fields expire (sortable time), record (JSON);
 *                                               expires at the token's expire time
 * </pre>
 *
 * <p>The state-hash index has no tenant tag: it is looked up by the hash alone, so it lives in a
 * slot of its own and is never part of a multi-key script. Nor have the sets of run tenants and of
 * authorization tenants, which are read and written on their own, never inside a script, nor the
 * service tokens, which belong to no tenant and whose script touches only their own key. A service
 * token's key names it by the hash of its key, never by the session name, which is the caller's
 * text.
 */
final class Keys {
  private final String prefix;

  Keys(String prefix) {
    this.prefix = prefix;
  }

  String connection(ConnectionName name) {
    return connectionPrefix(name.tenant()) + name.connectionId();
  }

  /** The start of every connection record key of a tenant; a connection id completes it. */
  String connectionPrefix(TenantId tenant) {
    return tenantTag(tenant) + ":conn:";
  }

  /**
   * A SCAN pattern that matches the record key of every connection of every tenant. It matches some
   * other keys too, since its {@code *} matches braces and colons, and a request id is the caller's
   * free text (a request-id key may end in "}:conn:x"): check each key it returns with {@link
   * #isConnection}. The prefix itself has no glob characters (see {@link RedisStoreConfig}).
   */
  String everyConnectionPattern() {
    return prefix + "{t:*}:conn:*";
  }

  /** Whether {@code key} is the record key of a connection, of any tenant. */
  boolean isConnection(String key) {
    String head = prefix + "{t:";
    String middle = "}:conn:";
    if (!key.startsWith(head)) {
      return false;
    }
    // Tenant ids have no braces: the tenant's tag ends at the first one.
    int end = key.indexOf('}', head.length());
    if (end < 0 || !key.startsWith(middle, end)) {
      return false;
    }
    try {
      ConnectionName name =
          new ConnectionName(
              new TenantId(key.substring(head.length(), end)),
              key.substring(end + middle.length()));
      return key.equals(connection(name));
    } catch (GatewayException.InvalidArgument e) {
      return false;
    }
  }

  String connectionIndex(TenantId tenant) {
    return tenantTag(tenant) + ":conns";
  }

  /** The connection's refresh lease, beside its record (see {@link RedisRefreshLeases}). */
  String refreshLease(ConnectionName name) {
    return tenantTag(name.tenant()) + ":lease:" + name.connectionId();
  }

  String authorization(AuthorizationName name) {
    return authorizationPrefix(name.tenant()) + name.authorizationId();
  }

  /** The start of every authorization record key of a tenant; an authorization id completes it. */
  String authorizationPrefix(TenantId tenant) {
    return tenantTag(tenant) + ":authz:";
  }

  // Request ids are the caller's free text; they only ever follow the fixed part, after the tag.
  String requestId(TenantId tenant, String requestId) {
    return tenantTag(tenant) + ":authz-request:" + requestId;
  }

  String workflowRun(WorkflowRunName name) {
    return workflowRunPrefix(name.tenant()) + name.runId();
  }

  /** The start of every run record key of a tenant; a run id completes it. */
  String workflowRunPrefix(TenantId tenant) {
    return tenantTag(tenant) + ":run:";
  }

  /** The tenant's runs, in create time then run id order. */
  String workflowRunIndex(TenantId tenant) {
    return tenantTag(tenant) + ":runs";
  }

  /** The tenant's runs that have a check time, in check time then run id order. */
  String workflowRunsDue(TenantId tenant) {
    return tenantTag(tenant) + ":runs-due";
  }

  /** The tenant's runs without a check time, in update time then run id order. */
  String workflowRunsIdle(TenantId tenant) {
    return tenantTag(tenant) + ":runs-idle";
  }

  /** The start of every run request-id key of a tenant; a request id completes it. */
  String workflowRunRequestPrefix(TenantId tenant) {
    return tenantTag(tenant) + ":run-request:";
  }

  // Request ids are the caller's free text; they only ever follow the fixed part, after the tag.
  String workflowRunRequestId(TenantId tenant, String requestId) {
    return workflowRunRequestPrefix(tenant) + requestId;
  }

  /** The ids of every tenant that has stored a run: where the cross-tenant queries start. */
  String workflowRunTenants() {
    return prefix + "run-tenants";
  }

  /** The tenant's PENDING device authorizations, in next poll time then authorization id order. */
  String authorizationsDue(TenantId tenant) {
    return tenantTag(tenant) + ":authz-due";
  }

  /**
   * The ids of every tenant that has had a device authorization to poll: where {@link
   * RedisAuthorizationStore#findDuePolls} starts. Its own set, not the run tenants', so that the
   * poller visits only tenants that use the device flow.
   */
  String authorizationTenants() {
    return prefix + "authz-tenants";
  }

  /** A JWT service app's cached token (see {@link RedisServiceTokenStore}). */
  String serviceToken(ServiceTokenKey key) {
    return prefix + "svc-token:" + key.id();
  }

  String state(byte[] stateHash) {
    return prefix + "authz-state:" + HexFormat.of().formatHex(stateHash);
  }

  private String tenantTag(TenantId tenant) {
    return prefix + "{t:" + tenant.id() + "}";
  }
}
