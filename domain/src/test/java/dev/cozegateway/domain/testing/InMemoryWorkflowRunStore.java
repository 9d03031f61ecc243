package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An in-memory {@link WorkflowRunStore} for tests. Thread-safe: one lock guards the runs and the
 * request-id index together, so that every method is atomic.
 */
public final class InMemoryWorkflowRunStore implements WorkflowRunStore {
  /** Newest first: create time descending, then run id descending. */
  private static final Comparator<WorkflowRun> NEWEST_FIRST =
      Comparator.comparing(WorkflowRun::createTime)
          .thenComparing(run -> run.name().runId())
          .reversed();

  private static final Comparator<WorkflowRun> SOONEST_DUE =
      Comparator.comparing(WorkflowRun::checkTime).thenComparing(run -> run.name().name());

  private static final Comparator<WorkflowRun> LEAST_RECENTLY_UPDATED =
      Comparator.comparing(WorkflowRun::updateTime).thenComparing(run -> run.name().name());

  private final Object lock = new Object();
  private final Map<WorkflowRunName, WorkflowRun> byName = new HashMap<>();
  private final Map<RequestKey, WorkflowRunName> byRequestId = new HashMap<>();

  @Override
  public WorkflowRun create(WorkflowRun run) {
    synchronized (lock) {
      RequestKey request = RequestKey.of(run);
      if (request != null) {
        WorkflowRunName earlier = byRequestId.get(request);
        if (earlier != null) {
          return byName.get(earlier);
        }
      }
      if (byName.containsKey(run.name())) {
        throw new IllegalStateException("a run named " + run.name() + " exists already");
      }
      byName.put(run.name(), run);
      if (request != null) {
        byRequestId.put(request, run.name());
      }
      return run;
    }
  }

  @Override
  public Optional<WorkflowRun> find(WorkflowRunName name) {
    synchronized (lock) {
      return Optional.ofNullable(byName.get(name));
    }
  }

  @Override
  public boolean replaceIfVersion(WorkflowRun updated, long expectedVersion) {
    synchronized (lock) {
      WorkflowRun current = byName.get(updated.name());
      if (current == null || current.version() != expectedVersion) {
        return false;
      }
      // The request id index keeps pointing at the run's name; it is fixed at create.
      byName.put(updated.name(), updated);
      return true;
    }
  }

  @Override
  public List<WorkflowRun> list(TenantId tenant, WorkflowRunQuery query) {
    synchronized (lock) {
      return byName.values().stream()
          .filter(run -> run.name().tenant().equals(tenant))
          .filter(query::matches)
          .filter(query::isAfterCursor)
          .sorted(NEWEST_FIRST)
          .limit(query.limit())
          .toList();
    }
  }

  @Override
  public List<WorkflowRun> findDue(Instant now, int limit) {
    synchronized (lock) {
      return byName.values().stream()
          .filter(run -> run.checkTime() != null && !run.checkTime().isAfter(now))
          .sorted(SOONEST_DUE)
          .limit(limit)
          .toList();
    }
  }

  @Override
  public int deleteExpired(Instant cutoff, int limit) {
    synchronized (lock) {
      List<WorkflowRun> expired =
          byName.values().stream()
              .filter(run -> run.checkTime() == null && run.updateTime().isBefore(cutoff))
              .sorted(LEAST_RECENTLY_UPDATED)
              .limit(limit)
              .toList();
      for (WorkflowRun run : expired) {
        byName.remove(run.name());
        RequestKey request = RequestKey.of(run);
        if (request != null) {
          byRequestId.remove(request, run.name());
        }
      }
      return expired.size();
    }
  }

  /** A request id is unique within its tenant. */
  private record RequestKey(TenantId tenant, String requestId) {
    static RequestKey of(WorkflowRun run) {
      return run.requestId().isEmpty()
          ? null
          : new RequestKey(run.name().tenant(), run.requestId());
    }
  }
}
