package dev.cozegateway.domain.port;

import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunQuery;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable workflow run records, shared by every replica on the same store.
 *
 * <p>Implementations are thread-safe. A write that returns has been made durable. Failures to reach
 * the store surface as {@link dev.cozegateway.domain.GatewayException.Unavailable} with reason
 * {@code STORE_UNAVAILABLE}; no technology exception crosses this port.
 */
public interface WorkflowRunStore {

  /**
   * Records a new run, atomically with its request id: if the run has a non-empty request id and
   * the tenant already has a run with that request id, nothing is written and that run is returned;
   * otherwise {@code run} is stored (replacing nothing: names are unique) and returned.
   */
  WorkflowRun create(WorkflowRun run);

  /** The run, or empty if none has that name. */
  Optional<WorkflowRun> find(WorkflowRunName name);

  /**
   * Writes {@code updated} only if the stored run's version is {@code expectedVersion}.
   *
   * @return true if written; false if the run is gone or its version moved
   */
  boolean replaceIfVersion(WorkflowRun updated, long expectedVersion);

  /** A page of the tenant's runs that match the query, in its order (newest first). */
  List<WorkflowRun> list(TenantId tenant, WorkflowRunQuery query);

  /**
   * Runs of every tenant whose {@link WorkflowRun#checkTime()} is at or before {@code now}, soonest
   * first (then by name), at most {@code limit} (none if {@code limit} is not positive): the async
   * runs due for a poll and the runs left unfinished past their deadline.
   */
  List<WorkflowRun> findDue(Instant now, int limit);

  /**
   * Deletes at most {@code limit} runs last updated before {@code cutoff} that nobody needs to look
   * at any more ({@code checkTime} unset), with their request ids.
   *
   * @return how many were deleted; fewer than {@code limit} means none is left
   */
  int deleteExpired(Instant cutoff, int limit);
}
