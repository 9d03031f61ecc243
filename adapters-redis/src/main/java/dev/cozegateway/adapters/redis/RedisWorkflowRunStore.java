package dev.cozegateway.adapters.redis;

import dev.cozegateway.domain.GatewayException;
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
import java.util.Set;

/**
 * Workflow runs in Redis (see {@link Keys} for the layout): one hash per run, holding the record's
 * JSON, its version (the field the compare-and-set compares) and the few fields the scripts read
 * (request id, workflow id, state, connection, and the index members the run is under); and three
 * sorted sets per tenant, all with score 0 and read by lex: every run by create time, the runs with
 * a check time by check time, and those without one by update time. A member is {@link
 * StoredRecords#sortableTime} then {@code :} and the run id, so that lex order is time order to the
 * nanosecond, then run id order, as the domain orders runs; and a page cursor (create time, run id)
 * is exactly a member, which ZREVRANGEBYLEX starts after. (Scores could hold milliseconds only, and
 * a range by score cannot start in the middle of equal scores.)
 *
 * <p>Every key of a tenant shares its hash tag, and each write is one Lua script over them, so a
 * create (with its request id), a compare-and-set and a deletion are each atomic, on one server and
 * in a Redis Cluster alike. {@link #findDue} and {@link #deleteExpired} span tenants: they read the
 * set of run tenants, which {@link #create} adds to before its script (so a tenant with a run is
 * always in it; a tenant is never removed), and run one script per tenant.
 *
 * <p>Runs never expire by TTL; {@link #deleteExpired} deletes them. Writes never WAIT for replicas,
 * even with {@link RedisStoreConfig#withWaitForReplicas} set: a run that a failover loses costs a
 * caller its record, never a token. Thread-safe.
 */
final class RedisWorkflowRunStore implements WorkflowRunStore {
  /** How many index entries one call of the list script looks at, at most. */
  static final int LIST_BUDGET = 256;

  private final RedisStore store;
  private final Keys keys;

  RedisWorkflowRunStore(RedisStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.keys = store.keys();
  }

  @Override
  public WorkflowRun create(WorkflowRun run) {
    WorkflowRunName name = run.name();
    TenantId tenant = name.tenant();
    // Before the run exists, so that the cross-tenant queries never miss a tenant that has one.
    store.call("register run tenant", redis -> redis.sadd(keys.workflowRunTenants(), tenant.id()));
    List<String> scriptKeys = new ArrayList<>(indexKeys(run));
    if (!run.requestId().isEmpty()) {
      scriptKeys.add(keys.workflowRunRequestId(tenant, run.requestId()));
    }
    Object reply =
        store.run(
            Scripts.CREATE_WORKFLOW_RUN,
            scriptKeys,
            List.of(
                Long.toString(run.version()),
                StoredRecords.toJson(run),
                name.runId(),
                orderMember(run),
                dueMember(run),
                idleMember(run),
                run.requestId(),
                run.workflowId(),
                run.state().name(),
                run.connection() == null ? "" : run.connection().name(),
                keys.workflowRunPrefix(tenant)));
    if (reply instanceof String earlier) {
      return StoredRecords.workflowRunFromJson(earlier);
    }
    if (!Long.valueOf(1).equals(reply)) {
      throw new IllegalStateException("a run named " + name + " exists already");
    }
    return run;
  }

  @Override
  public Optional<WorkflowRun> find(WorkflowRunName name) {
    String key = keys.workflowRun(name);
    String stored = store.call("find workflow run", redis -> redis.hget(key, "record"));
    return Optional.ofNullable(stored).map(StoredRecords::workflowRunFromJson);
  }

  @Override
  public boolean replaceIfVersion(WorkflowRun updated, long expectedVersion) {
    Object written =
        store.run(
            Scripts.REPLACE_WORKFLOW_RUN_IF_VERSION,
            indexKeys(updated),
            List.of(
                Long.toString(expectedVersion),
                Long.toString(updated.version()),
                StoredRecords.toJson(updated),
                orderMember(updated),
                dueMember(updated),
                idleMember(updated),
                updated.workflowId(),
                updated.state().name(),
                updated.connection() == null ? "" : updated.connection().name()));
    return Long.valueOf(1).equals(written);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The filters are applied in Redis, {@link #LIST_BUDGET} index entries per script call, so a
   * page with a narrow filter takes as many calls as it takes to find its runs or reach the end.
   * Each call is atomic; a page that spans calls sees the writes made between them.
   */
  @Override
  public List<WorkflowRun> list(TenantId tenant, WorkflowRunQuery query) {
    String index = keys.workflowRunIndex(tenant);
    String from =
        query.afterCreateTime() == null
            ? "+"
            : "(" + member(query.afterCreateTime(), query.afterRunId());
    List<WorkflowRun> page = new ArrayList<>();
    while (true) {
      List<?> reply =
          (List<?>)
              store.run(
                  Scripts.LIST_WORKFLOW_RUNS,
                  List.of(index),
                  List.of(
                      from,
                      Integer.toString(query.limit() - page.size()),
                      Integer.toString(LIST_BUDGET),
                      keys.workflowRunPrefix(tenant),
                      query.workflowId(),
                      query.state() == null ? "" : query.state().name(),
                      query.connection() == null ? "" : query.connection().name()));
      for (Object json : reply.subList(2, reply.size())) {
        WorkflowRun run = StoredRecords.workflowRunFromJson((String) json);
        if (query.matches(run)) {
          page.add(run);
        }
      }
      boolean more = Long.valueOf(1).equals(reply.get(1));
      if (page.size() >= query.limit() || !more) {
        return page;
      }
      from = "(" + reply.get(0);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads each tenant's soonest {@code limit} due runs, one script call per tenant, then keeps
   * the soonest {@code limit} of them all. Each tenant's read is atomic; the whole is not.
   */
  @Override
  public List<WorkflowRun> findDue(Instant now, int limit) {
    // Past every member whose time is now: ':' follows the time, and ';' sorts right after it.
    String to = "(" + StoredRecords.sortableTime(now) + ";";
    List<WorkflowRun> due = new ArrayList<>();
    for (TenantId tenant : tenants()) {
      List<?> records =
          (List<?>)
              store.run(
                  Scripts.DUE_WORKFLOW_RUNS,
                  List.of(keys.workflowRunsDue(tenant)),
                  List.of(to, Integer.toString(limit), keys.workflowRunPrefix(tenant)));
      records.forEach(json -> due.add(StoredRecords.workflowRunFromJson((String) json)));
    }
    return due.stream()
        .sorted(
            Comparator.comparing(WorkflowRun::checkTime).thenComparing(run -> run.name().name()))
        .limit(limit)
        .toList();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Deletes tenant by tenant, one script call each, until {@code limit} are deleted; which
   * tenant's runs go first is unspecified.
   */
  @Override
  public int deleteExpired(Instant cutoff, int limit) {
    // Before every member whose time is the cutoff or later.
    String to = "(" + StoredRecords.sortableTime(cutoff);
    int deleted = 0;
    for (TenantId tenant : tenants()) {
      if (deleted >= limit) {
        break;
      }
      Object count =
          store.run(
              Scripts.DELETE_EXPIRED_WORKFLOW_RUNS,
              List.of(
                  keys.workflowRunsIdle(tenant),
                  keys.workflowRunIndex(tenant),
                  keys.workflowRunsDue(tenant)),
              List.of(
                  to,
                  Integer.toString(limit - deleted),
                  keys.workflowRunPrefix(tenant),
                  keys.workflowRunRequestPrefix(tenant)));
      deleted += Math.toIntExact((Long) count);
    }
    return deleted;
  }

  private List<TenantId> tenants() {
    Set<String> ids =
        store.call("list run tenants", redis -> redis.smembers(keys.workflowRunTenants()));
    List<TenantId> tenants = new ArrayList<>(ids.size());
    for (String id : ids) {
      try {
        tenants.add(new TenantId(id));
      } catch (GatewayException e) {
        throw StoredRecords.corrupt("run tenant entry", e);
      }
    }
    return tenants;
  }

  /** The keys of the run's create and write scripts: record, runs, due and idle index. */
  private List<String> indexKeys(WorkflowRun run) {
    TenantId tenant = run.name().tenant();
    return List.of(
        keys.workflowRun(run.name()),
        keys.workflowRunIndex(tenant),
        keys.workflowRunsDue(tenant),
        keys.workflowRunsIdle(tenant));
  }

  private static String orderMember(WorkflowRun run) {
    return member(run.createTime(), run.name().runId());
  }

  private static String dueMember(WorkflowRun run) {
    return run.checkTime() == null ? "" : member(run.checkTime(), run.name().runId());
  }

  private static String idleMember(WorkflowRun run) {
    return run.checkTime() == null ? member(run.updateTime(), run.name().runId()) : "";
  }

  // The time has a fixed width, so members order by time, then by run id as Java compares strings
  // (run ids are ASCII, and a run id that is a prefix of another sorts first, in both).
  private static String member(Instant time, String runId) {
    return StoredRecords.sortableTime(time) + ":" + runId;
  }
}
