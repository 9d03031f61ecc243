package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TenantId;
import java.util.HexFormat;

/**
 * The key layout. Every key of a tenant carries the tenant's Redis Cluster hash tag, {@code
 * {t:<tenant>}}, so that a record and the tenant's indexes live in one slot and one Lua script can
 * change them together, on a single server today and in a cluster later. With the default prefix:
 *
 * <pre>
 * cozegw:{t:acme}:conn:alice            hash    connection: fields version, record (JSON)
 * cozegw:{t:acme}:conns                 zset    the tenant's connection ids, all score 0 (lex order)
 * cozegw:{t:acme}:lease:alice           string  refresh lease: the holder's owner token, with a TTL
 * cozegw:{t:acme}:authz:a1b2            string  authorization record (JSON), with a TTL
 * cozegw:{t:acme}:authz-request:req-1   string  request id -> authorization id, same TTL
 * cozegw:authz-state:9f86d0...          string  state hash (hex) -> authorization name, with a TTL
 * </pre>
 *
 * <p>The state-hash index has no tenant tag: it is looked up by the hash alone, so it lives in a
 * slot of its own and is never part of a multi-key script.
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

  String state(byte[] stateHash) {
    return prefix + "authz-state:" + HexFormat.of().formatHex(stateHash);
  }

  private String tenantTag(TenantId tenant) {
    return prefix + "{t:" + tenant.id() + "}";
  }
}
