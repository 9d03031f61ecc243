package dev.cozegateway.domain.port;

import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.TenantId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable storage of authorizations, indexed by the hash of their OAuth {@code state}.
 *
 * <p>Implementations are thread-safe; writes that return are durable. Store outages surface as
 * {@link dev.cozegateway.domain.GatewayException.Unavailable}.
 */
public interface AuthorizationStore {

  /**
   * Stores a new PENDING authorization and indexes its state hash (and request id, when set).
   *
   * @return the authorization already stored under the same tenant and request id, if there is one
   *     (and then nothing is written); empty when {@code authorization} was stored
   */
  Optional<Authorization> create(Authorization authorization);

  /** The authorization, or empty. */
  Optional<Authorization> find(AuthorizationName name);

  /**
   * Consumes a state: atomically removes the state-hash index entry and returns the authorization
   * it pointed to. Exactly one caller ever gets a given state, even under concurrency; later
   * callers get empty, as do unknown states.
   */
  Optional<Authorization> consumeState(byte[] stateHash);

  /** Replaces a stored authorization (e.g. to record a terminal state). */
  void update(Authorization authorization);

  /**
   * Writes {@code updated} only if the stored authorization's version is {@code expectedVersion}:
   * how replicas claim a device poll, and how a poll's outcome is recorded without overwriting a
   * cancel.
   *
   * @return true if written; false if the authorization is gone or its version moved
   */
  boolean replaceIfVersion(Authorization updated, long expectedVersion);

  /**
   * PENDING device authorizations of every tenant whose {@link
   * dev.cozegateway.domain.DeviceGrant#nextPollTime()} is at or before {@code now}, soonest first
   * (then by name), at most {@code limit} (none if it is not positive). An authorization leaves
   * this set when it stops being PENDING, and moves when its next poll time does.
   */
  List<Authorization> findDuePolls(Instant now, int limit);

  /** Whether a request id was used in a tenant, for idempotent retries. */
  Optional<Authorization> findByRequestId(TenantId tenant, String requestId);
}
