package dev.cozegateway.adapters.embedded;

import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.port.WorkflowRunStore;
import dev.cozegateway.storerecords.StoredRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * Workflow runs in the embedded store: the records keyed by resource name, and four indexes whose
 * keys are in the order they are read in (times as {@link StoredRecords#sortableTime}, a string
 * whose order is time order to the nanosecond), each entry naming its run:
 *
 * <pre>
 * workflow-run-request-index  tenants/acme/request-ids/{request id}           the run with it
 * workflow-run-order-index    tenants/acme/{create time}:{run id}             every run
 * workflow-run-due-index      {check time}:tenants/acme/workflowRuns/{id}     runs with a check time
 * workflow-run-idle-index     {update time}:tenants/acme/workflowRuns/{id}    runs without one
 * </pre>
 *
 * <p>A tenant's runs are one range of the order index, in create time then run id order; {@link
 * #list} walks it backwards, newest first. A write changes the record and every index entry it
 * touches in one commit, under the store's write lock, so a crash never leaves an index entry
 * without its record, and each method is atomic against every other write. Thread-safe.
 */
final class MvStoreWorkflowRunStore implements WorkflowRunStore {
  // Sorts after every character of a sortable time, so "{tenant}/~" is past all of its keys.
  private static final String AFTER_EVERY_TIME = "~";

  private final EmbeddedStore store;
  private final MVMap<String, byte[]> runs;
  private final MVMap<String, String> byRequestId;
  private final MVMap<String, String> byCreateTime;
  private final MVMap<String, String> byCheckTime;
  private final MVMap<String, String> byIdleSince;

  MvStoreWorkflowRunStore(EmbeddedStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.runs = store.recordMap("workflow-runs");
    this.byRequestId = store.indexMap("workflow-run-request-index");
    this.byCreateTime = store.indexMap("workflow-run-order-index");
    this.byCheckTime = store.indexMap("workflow-run-due-index");
    this.byIdleSince = store.indexMap("workflow-run-idle-index");
  }

  @Override
  public WorkflowRun create(WorkflowRun run) {
    byte[] value = StoredRecords.encode(run);
    String name = run.name().name();
    String requestKey = requestKey(run);
    byte[] earlier =
        store.write(
            () -> {
              if (requestKey != null) {
                String earlierName = byRequestId.get(requestKey);
                byte[] stored = earlierName == null ? null : runs.get(earlierName);
                if (stored != null) {
                  return stored;
                }
              }
              if (runs.containsKey(name)) {
                throw new IllegalStateException("a run named " + name + " exists already");
              }
              runs.put(name, value);
              index(run);
              if (requestKey != null) {
                byRequestId.put(requestKey, name);
              }
              return null;
            });
    return earlier == null ? run : StoredRecords.decodeWorkflowRun(earlier);
  }

  @Override
  public Optional<WorkflowRun> find(WorkflowRunName name) {
    return Optional.ofNullable(store.read(() -> runs.get(name.name())))
        .map(StoredRecords::decodeWorkflowRun);
  }

  @Override
  public boolean replaceIfVersion(WorkflowRun updated, long expectedVersion) {
    byte[] value = StoredRecords.encode(updated);
    String name = updated.name().name();
    // The write lock makes this compare-and-set atomic against every other write. The request id
    // entry stays as create wrote it: a request id is fixed when its run is created.
    return store.write(
        () -> {
          byte[] stored = runs.get(name);
          if (stored == null) {
            return false;
          }
          WorkflowRun current = StoredRecords.decodeWorkflowRun(stored);
          if (current.version() != expectedVersion) {
            return false;
          }
          unindex(current);
          runs.put(name, value);
          index(updated);
          return true;
        });
  }

  @Override
  public List<WorkflowRun> list(TenantId tenant, WorkflowRunQuery query) {
    String prefix = orderPrefix(tenant);
    String from =
        query.afterCreateTime() == null
            ? prefix + AFTER_EVERY_TIME
            : prefix
                + StoredRecords.sortableTime(query.afterCreateTime())
                + ":"
                + query.afterRunId();
    return store.read(
        () -> {
          List<WorkflowRun> page = new ArrayList<>();
          // Backwards from the cursor (inclusive, so its own key is skipped) to the tenant's first.
          Cursor<String, String> cursor = byCreateTime.cursor(from, prefix, true);
          while (page.size() < query.limit() && cursor.hasNext()) {
            String key = cursor.next();
            if (!key.startsWith(prefix) || key.equals(from)) {
              continue;
            }
            byte[] stored = runs.get(cursor.getValue());
            if (stored == null) {
              continue; // deleted since the index was read
            }
            WorkflowRun run = StoredRecords.decodeWorkflowRun(stored);
            if (query.matches(run) && query.isAfterCursor(run)) {
              page.add(run);
            }
          }
          return page;
        });
  }

  @Override
  public List<WorkflowRun> findDue(Instant now, int limit) {
    String last = StoredRecords.sortableTime(now);
    List<WorkflowRun> due =
        store.read(
            () -> {
              List<WorkflowRun> found = new ArrayList<>();
              Cursor<String, String> cursor = byCheckTime.cursor(null);
              while (found.size() < limit && cursor.hasNext()) {
                String key = cursor.next();
                if (checkTimeOf(key).compareTo(last) > 0) {
                  break;
                }
                byte[] stored = runs.get(cursor.getValue());
                if (stored != null) {
                  found.add(StoredRecords.decodeWorkflowRun(stored));
                }
              }
              return found;
            });
    // Reads take no lock: a run replaced while this read is checked against what it holds now.
    return due.stream()
        .filter(run -> run.checkTime() != null && !run.checkTime().isAfter(now))
        .sorted(
            Comparator.comparing(WorkflowRun::checkTime).thenComparing(run -> run.name().name()))
        .toList();
  }

  @Override
  public int deleteExpired(Instant cutoff, int limit) {
    // An idle key below the cutoff's sortable time is exactly a run updated before the cutoff.
    String end = StoredRecords.sortableTime(cutoff);
    return store.write(
        () -> {
          List<String> names = new ArrayList<>();
          Cursor<String, String> cursor = byIdleSince.cursor(null);
          while (names.size() < limit && cursor.hasNext()) {
            if (cursor.next().compareTo(end) >= 0) {
              break;
            }
            names.add(cursor.getValue());
          }
          int deleted = 0;
          for (String name : names) {
            byte[] stored = runs.remove(name);
            if (stored == null) {
              continue;
            }
            WorkflowRun run = StoredRecords.decodeWorkflowRun(stored);
            unindex(run);
            String requestKey = requestKey(run);
            if (requestKey != null) {
              byRequestId.remove(requestKey, name);
            }
            deleted++;
          }
          return deleted;
        });
  }

  /** Adds the order, due and idle entries of {@code run}; under the write lock. */
  private void index(WorkflowRun run) {
    String name = run.name().name();
    byCreateTime.put(orderKey(run), name);
    if (run.checkTime() != null) {
      byCheckTime.put(timeKey(run.checkTime(), name), name);
    } else {
      byIdleSince.put(timeKey(run.updateTime(), name), name);
    }
  }

  /** Removes what {@link #index} added for {@code run}; under the write lock. */
  private void unindex(WorkflowRun run) {
    String name = run.name().name();
    byCreateTime.remove(orderKey(run));
    if (run.checkTime() != null) {
      byCheckTime.remove(timeKey(run.checkTime(), name));
    } else {
      byIdleSince.remove(timeKey(run.updateTime(), name));
    }
  }

  // Tenant ids have no '/': "tenants/a/" is never the start of another tenant's keys.
  private static String orderPrefix(TenantId tenant) {
    return tenant.name() + "/";
  }

  private static String orderKey(WorkflowRun run) {
    return orderPrefix(run.name().tenant())
        + StoredRecords.sortableTime(run.createTime())
        + ":"
        + run.name().runId();
  }

  private static String timeKey(Instant time, String name) {
    return StoredRecords.sortableTime(time) + ":" + name;
  }

  private static String checkTimeOf(String dueKey) {
    return dueKey.substring(0, StoredRecords.SORTABLE_TIME_LENGTH);
  }

  // Request ids are the caller's free text; they only ever follow the fixed prefix.
  private static String requestKey(WorkflowRun run) {
    return run.requestId().isEmpty()
        ? null
        : run.name().tenant().name() + "/request-ids/" + run.requestId();
  }
}
