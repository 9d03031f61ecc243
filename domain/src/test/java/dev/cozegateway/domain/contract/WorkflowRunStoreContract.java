package dev.cozegateway.domain.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowInterrupt;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunQuery;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.WorkflowUsage;
import dev.cozegateway.domain.port.WorkflowRunStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link WorkflowRunStore} guarantees. Extend it once per implementation and return a
 * fresh, empty store from {@link #store()}.
 */
public abstract class WorkflowRunStoreContract {
  /** With nanoseconds, so that a store that keeps only milliseconds fails. */
  protected static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456789Z");

  private static final int RACERS = 16;

  private WorkflowRunStore runs;

  /** A new, empty store for one test. Called once before each test. */
  protected abstract WorkflowRunStore store();

  @BeforeEach
  final void createStore() {
    runs = store();
  }

  // --- create and find ---

  @Test
  void findsNothingInAnEmptyStore() {
    assertThat(runs.find(name("acme", "r1"))).isEmpty();
  }

  @Test
  void roundTripsEveryField() {
    WorkflowRun stored =
        WorkflowRun.builder()
            .name(name("acme", "r1"))
            .connection(connection("acme", "alice"))
            .workflowId("7431234567890123456")
            .botId("")
            .appId("app-☃")
            .mode(WorkflowRunMode.STREAM)
            .state(WorkflowRunState.INTERRUPTED)
            .requestId("req ☃ \"quoted\" / {t:x} \\ 日本")
            .requestDigest("sha256:9f86d081884c7d659a2feaa0c55ad015")
            .executeId("exec-7431")
            .output("{\"answer\":\"naïve 😀 \\n line\",\"nul\":\"\u0000\",\"tab\":\"\t\"}")
            .debugUrl("https://www.coze.cn/work_flow?execute_id=7431&space_id=1")
            .usage(new WorkflowUsage(12, 34, 46))
            .interrupt(new WorkflowInterrupt("1234/5678", 2, "Which city? 🏙", "Ask ☃"))
            .error(new WorkflowRunError("COZE_WORKFLOW_FAILED", "it broke: \"x\"\n", "4000", "l1"))
            .resumeCount(2)
            .logId("20250301101530ABCDEF")
            .createTime(T0)
            .updateTime(T0.plusNanos(1))
            .checkTime(T0.plus(Duration.ofMinutes(5)).plusNanos(7))
            .pollCount(9)
            .version(41)
            .build();

    assertThat(runs.create(stored)).isEqualTo(stored);

    assertThat(runs.find(stored.name())).contains(stored);
  }

  @Test
  void roundTripsARunWithoutInterruptErrorOrCheckTime() {
    WorkflowRun stored =
        run("acme", "r1")
            .botId("bot-1")
            .state(WorkflowRunState.SUCCEEDED)
            .interrupt(null)
            .error(null)
            .checkTime(null)
            .build();

    runs.create(stored);

    WorkflowRun found = runs.find(stored.name()).orElseThrow();
    assertThat(found).isEqualTo(stored);
    assertThat(found.interrupt()).isNull();
    assertThat(found.error()).isNull();
    assertThat(found.checkTime()).isNull();
    assertThat(found.appId()).isEmpty();
  }

  @Test
  void roundTripsARunOfAJwtAppSessionAndKeepsItOutOfConnectionFilters() {
    ServiceTokenKey session =
        new ServiceTokenKey(new dev.cozegateway.domain.AppId("robot"), "user ☃ 1", "");
    WorkflowRun ofApp = run("acme", "r1").connection(null).appSession(session).build();
    WorkflowRun ofAlice = run("acme", "r2").createTime(T0.plusSeconds(1)).build();
    runs.create(ofApp);
    runs.create(ofAlice);

    WorkflowRun found = runs.find(ofApp.name()).orElseThrow();
    assertThat(found).isEqualTo(ofApp);
    assertThat(found.connection()).isNull();
    assertThat(found.appSession()).isEqualTo(session);
    assertThat(
            runs.list(
                new TenantId("acme"),
                new WorkflowRunQuery("", null, connection("acme", "alice"), null, null, 10)))
        .containsExactly(ofAlice);
    assertThat(runs.list(new TenantId("acme"), WorkflowRunQuery.all(10)))
        .containsExactly(ofAlice, ofApp);
  }

  @Test
  void roundTripsALargeOutput() {
    StringBuilder output = new StringBuilder("{\"rows\":[");
    while (output.length() < 1_500_000) {
      output.append("{\"n\":").append(output.length()).append(",\"s\":\"数据 ☃ data\"},");
    }
    output.append("{}]}");
    WorkflowRun stored = run("acme", "r1").output(output.toString()).build();

    runs.create(stored);

    assertThat(runs.find(stored.name()).orElseThrow().output()).isEqualTo(output.toString());
    assertThat(runs.list(tenant("acme"), WorkflowRunQuery.all(10))).containsExactly(stored);
  }

  @Test
  void keepsSameRunIdsOfDifferentTenantsApart() {
    WorkflowRun ofAcme = run("acme", "r1").workflowId("wf-acme").build();
    WorkflowRun ofGlobex = run("globex", "r1").workflowId("wf-globex").build();

    runs.create(ofAcme);
    runs.create(ofGlobex);

    assertThat(runs.find(ofAcme.name())).contains(ofAcme);
    assertThat(runs.find(ofGlobex.name())).contains(ofGlobex);
  }

  @Test
  void createNeverReplacesARunOfTheSameName() {
    WorkflowRun first = run("acme", "r1").build();
    runs.create(first);

    assertThatThrownBy(() -> runs.create(run("acme", "r1").workflowId("other").build()))
        .isInstanceOf(IllegalStateException.class);

    assertThat(runs.find(first.name())).contains(first);
    assertThat(runs.list(tenant("acme"), WorkflowRunQuery.all(10))).containsExactly(first);
  }

  // --- request ids ---

  @Test
  void aSecondCreateWithTheSameRequestIdReturnsTheFirstRunAndStoresNothing() {
    WorkflowRun first = run("acme", "r1").requestId("req-1").requestDigest("d1").build();
    WorkflowRun retry =
        run("acme", "r2")
            .requestId("req-1")
            .requestDigest("d2")
            .createTime(T0.plusSeconds(1))
            .build();

    assertThat(runs.create(first)).isEqualTo(first);
    assertThat(runs.create(retry)).isEqualTo(first);

    assertThat(runs.find(name("acme", "r2"))).isEmpty();
    assertThat(runs.list(tenant("acme"), WorkflowRunQuery.all(10))).containsExactly(first);
  }

  @Test
  void theFirstRunIsReturnedAsItIsNowNotAsItWasCreated() {
    WorkflowRun first = run("acme", "r1").requestId("req-1").build();
    runs.create(first);
    WorkflowRun finished = finish(first);
    assertThat(runs.replaceIfVersion(finished, first.version())).isTrue();

    assertThat(runs.create(run("acme", "r2").requestId("req-1").build())).isEqualTo(finished);
  }

  @Test
  void runsWithoutARequestIdAreNeverTakenForOneAnother() {
    WorkflowRun one = run("acme", "r1").requestId("").build();
    WorkflowRun two = run("acme", "r2").requestId("").build();

    assertThat(runs.create(one)).isEqualTo(one);
    assertThat(runs.create(two)).isEqualTo(two);

    assertThat(runs.find(two.name())).contains(two);
  }

  @Test
  void theSameRequestIdInDifferentTenantsIsIndependent() {
    WorkflowRun ofAcme = run("acme", "r1").requestId("req-1").build();
    WorkflowRun ofGlobex = run("globex", "r2").requestId("req-1").build();

    assertThat(runs.create(ofAcme)).isEqualTo(ofAcme);
    assertThat(runs.create(ofGlobex)).isEqualTo(ofGlobex);

    assertThat(runs.find(ofGlobex.name())).contains(ofGlobex);
  }

  @Test
  void differentRequestIdsOfOneTenantAreIndependent() {
    WorkflowRun one = run("acme", "r1").requestId("req-1").build();
    WorkflowRun two = run("acme", "r2").requestId("req-2").build();

    assertThat(runs.create(one)).isEqualTo(one);
    assertThat(runs.create(two)).isEqualTo(two);
  }

  @Test
  void ofManyConcurrentCreatorsWithOneRequestIdExactlyOneStores() throws Exception {
    List<WorkflowRun> attempts = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      attempts.add(run("acme", "r" + i).requestId("req-1").requestDigest("d" + i).build());
    }

    List<WorkflowRun> returned = Race.run(RACERS, i -> () -> runs.create(attempts.get(i)));

    List<WorkflowRun> stored = runs.list(tenant("acme"), WorkflowRunQuery.all(100));
    assertThat(stored).hasSize(1);
    assertThat(attempts).contains(stored.get(0));
    assertThat(returned).containsOnly(stored.get(0));
  }

  @Test
  void concurrentCreatorsOfDifferentRunsAllLand() throws Exception {
    List<WorkflowRun> created = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      created.add(
          run("acme", String.format("r%02d", i))
              .requestId("req-" + i)
              .createTime(T0.plusMillis(i))
              .build());
    }

    List<WorkflowRun> returned = Race.run(RACERS, i -> () -> runs.create(created.get(i)));

    assertThat(returned).containsExactlyElementsOf(created);
    List<WorkflowRun> newestFirst = new ArrayList<>(created);
    Collections.reverse(newestFirst);
    assertThat(runs.list(tenant("acme"), WorkflowRunQuery.all(100)))
        .containsExactlyElementsOf(newestFirst);
  }

  // --- replaceIfVersion ---

  @Test
  void replaceIfVersionWritesWhenTheVersionMatches() {
    WorkflowRun current = run("acme", "r1").version(3).build();
    runs.create(current);
    WorkflowRun updated =
        current.toBuilder()
            .state(WorkflowRunState.INTERRUPTED)
            .executeId("exec-1")
            .interrupt(new WorkflowInterrupt("1/2", 5, "name?", ""))
            .checkTime(null)
            .resumeCount(1)
            .nextVersion(T0.plusSeconds(3))
            .build();

    assertThat(runs.replaceIfVersion(updated, 3)).isTrue();

    WorkflowRun found = runs.find(current.name()).orElseThrow();
    assertThat(found).isEqualTo(updated);
    assertThat(found.version()).isEqualTo(4);
  }

  @Test
  void replaceIfVersionRefusesAStaleVersion() {
    WorkflowRun current = run("acme", "r1").version(5).build();
    runs.create(current);

    assertThat(runs.replaceIfVersion(finish(run("acme", "r1").version(4).build()), 4)).isFalse();

    assertThat(runs.find(current.name())).contains(current);
  }

  @Test
  void replaceIfVersionRefusesANewerExpectedVersion() {
    WorkflowRun current = run("acme", "r1").version(5).build();
    runs.create(current);

    assertThat(runs.replaceIfVersion(finish(run("acme", "r1").version(6).build()), 6)).isFalse();

    assertThat(runs.find(current.name())).contains(current);
  }

  @Test
  void replaceIfVersionDoesNotCreateAMissingRun() {
    WorkflowRun missing = run("acme", "r1").build();

    assertThat(runs.replaceIfVersion(finish(missing), missing.version())).isFalse();

    assertThat(runs.find(missing.name())).isEmpty();
    assertThat(runs.list(tenant("acme"), WorkflowRunQuery.all(10))).isEmpty();
    assertThat(runs.findDue(T0.plus(Duration.ofDays(1)), 10)).isEmpty();
  }

  @Test
  void replaceIfVersionChainsVersions() {
    WorkflowRun v1 = run("acme", "r1").build();
    runs.create(v1);
    WorkflowRun v2 = v1.toBuilder().state(WorkflowRunState.RUNNING).nextVersion(T0).build();
    WorkflowRun v3 = finish(v2);

    assertThat(runs.replaceIfVersion(v2, 1)).isTrue();
    assertThat(runs.replaceIfVersion(v3, 1)).isFalse();
    assertThat(runs.replaceIfVersion(v3, 2)).isTrue();

    assertThat(runs.find(v1.name())).contains(v3);
  }

  @Test
  void exactlyOneOfManyConcurrentWritersFromTheSameVersionWins() throws Exception {
    WorkflowRun current = run("acme", "r1").build();
    runs.create(current);
    List<WorkflowRun> attempts = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      attempts.add(
          current.toBuilder()
              .output("racer " + i)
              .checkTime(T0.plusSeconds(i))
              .nextVersion(T0.plusMillis(i))
              .build());
    }

    List<Boolean> won =
        Race.run(RACERS, i -> () -> runs.replaceIfVersion(attempts.get(i), current.version()));

    assertThat(won).containsOnlyOnce(true);
    WorkflowRun winner = attempts.get(won.indexOf(true));
    assertThat(runs.find(current.name())).contains(winner);
    assertThat(runs.findDue(T0.plus(Duration.ofHours(1)), 100)).containsExactly(winner);
  }

  // --- list ---

  @Test
  void listsNewestFirstThenByRunIdDescending() {
    // Equal create times order by run id, descending, as strings: "r9" after "r10" is wrong.
    create("acme", "r10", T0);
    create("acme", "r9", T0);
    create("acme", "a", T0);
    create("acme", "ab", T0);
    create("acme", "old", T0.minusNanos(1));
    create("acme", "new", T0.plusNanos(1));
    create("acme", "newest", T0.plus(Duration.ofDays(400)));
    create("acme", "oldest", T0.minus(Duration.ofDays(400)));

    assertThat(ids(runs.list(tenant("acme"), WorkflowRunQuery.all(100))))
        .containsExactly("newest", "new", "r9", "r10", "ab", "a", "old", "oldest");
  }

  @Test
  void listReturnsWholeRuns() {
    WorkflowRun stored =
        run("acme", "r1")
            .state(WorkflowRunState.FAILED)
            .error(new WorkflowRunError("COZE_WORKFLOW_FAILED", "boom", "", ""))
            .checkTime(null)
            .build();
    runs.create(stored);

    assertThat(runs.list(tenant("acme"), WorkflowRunQuery.all(10))).containsExactly(stored);
  }

  @Test
  void listReturnsAtMostLimit() {
    for (int i = 0; i < 5; i++) {
      create("acme", "r" + i, T0.plusSeconds(i));
    }

    assertThat(ids(runs.list(tenant("acme"), WorkflowRunQuery.all(2)))).containsExactly("r4", "r3");
    assertThat(ids(runs.list(tenant("acme"), WorkflowRunQuery.all(1)))).containsExactly("r4");
  }

  @Test
  void listFiltersByWorkflowStateAndConnection() {
    runs.create(run("acme", "r1").workflowId("wf-a").createTime(T0.plusSeconds(1)).build());
    runs.create(
        run("acme", "r2")
            .workflowId("wf-b")
            .state(WorkflowRunState.SUCCEEDED)
            .createTime(T0.plusSeconds(2))
            .build());
    runs.create(
        run("acme", "r3")
            .workflowId("wf-a")
            .state(WorkflowRunState.SUCCEEDED)
            .connection(connection("acme", "bob"))
            .createTime(T0.plusSeconds(3))
            .build());
    runs.create(
        run("acme", "r4")
            .workflowId("wf-a")
            .connection(connection("acme", "bob"))
            .createTime(T0.plusSeconds(4))
            .build());
    TenantId acme = tenant("acme");

    assertThat(ids(runs.list(acme, query("wf-a", null, null)))).containsExactly("r4", "r3", "r1");
    assertThat(ids(runs.list(acme, query("", WorkflowRunState.SUCCEEDED, null))))
        .containsExactly("r3", "r2");
    assertThat(ids(runs.list(acme, query("", null, connection("acme", "bob")))))
        .containsExactly("r4", "r3");
    assertThat(ids(runs.list(acme, query("wf-a", WorkflowRunState.SUCCEEDED, null))))
        .containsExactly("r3");
    assertThat(ids(runs.list(acme, query("wf-a", WorkflowRunState.RUNNING, null))))
        .containsExactly("r4", "r1");
    assertThat(
            ids(
                runs.list(
                    acme, query("wf-a", WorkflowRunState.RUNNING, connection("acme", "alice")))))
        .containsExactly("r1");
    assertThat(runs.list(acme, query("wf-c", null, null))).isEmpty();
    assertThat(runs.list(acme, query("", WorkflowRunState.CANCELLED, null))).isEmpty();
    assertThat(runs.list(acme, query("", null, connection("acme", "carol")))).isEmpty();
  }

  @Test
  void listFiltersOnTheStoredStateAfterAReplace() {
    WorkflowRun running = run("acme", "r1").build();
    runs.create(running);
    WorkflowRun succeeded = finish(running);
    assertThat(runs.replaceIfVersion(succeeded, running.version())).isTrue();

    assertThat(runs.list(tenant("acme"), query("", WorkflowRunState.RUNNING, null))).isEmpty();
    assertThat(runs.list(tenant("acme"), query("", WorkflowRunState.SUCCEEDED, null)))
        .containsExactly(succeeded);
  }

  @Test
  void pagingVisitsEveryRunOnceInOrder() {
    List<String> expected = new ArrayList<>();
    // 23 runs; create times repeat, so pages end in the middle of equal times.
    for (int i = 0; i < 23; i++) {
      String id = String.format("r%02d", i);
      create("acme", id, T0.plusSeconds(i / 3));
      expected.add(id);
    }
    expected.sort(
        Comparator.<String, Integer>comparing(id -> Integer.parseInt(id.substring(1)) / 3)
            .thenComparing(Comparator.naturalOrder())
            .reversed());

    assertThat(pageThrough(WorkflowRunQuery.all(5))).containsExactlyElementsOf(expected);
    assertThat(pageThrough(WorkflowRunQuery.all(1))).containsExactlyElementsOf(expected);
  }

  @Test
  void pagingWithAFilterThatSkipsMostRunsHasNoGapsOrDuplicates() {
    List<String> matching = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = String.format("r%03d", i);
      boolean match = i % 37 == 5;
      runs.create(
          run("acme", id)
              .workflowId(match ? "wf-rare" : "wf-common")
              .createTime(T0.plusMillis(i))
              .build());
      if (match) {
        matching.add(0, id);
      }
    }
    assertThat(matching).hasSize(8);

    assertThat(pageThrough(query("wf-rare", null, null, 3))).containsExactlyElementsOf(matching);
    assertThat(pageThrough(query("wf-rare", null, null, 100))).containsExactlyElementsOf(matching);
  }

  @Test
  void listStartsStrictlyAfterTheCursor() {
    create("acme", "r1", T0.plusSeconds(1));
    create("acme", "r2", T0.plusSeconds(2));
    create("acme", "r3", T0.plusSeconds(2));
    create("acme", "r4", T0.plusSeconds(3));
    TenantId acme = tenant("acme");

    assertThat(ids(runs.list(acme, after(T0.plusSeconds(2), "r3")))).containsExactly("r2", "r1");
    assertThat(ids(runs.list(acme, after(T0.plusSeconds(2), "r2")))).containsExactly("r1");
    assertThat(ids(runs.list(acme, after(T0.plusSeconds(1), "r1")))).isEmpty();
  }

  @Test
  void listAcceptsACursorThatIsNotStored() {
    create("acme", "r1", T0.plusSeconds(1));
    create("acme", "r2", T0.plusSeconds(2));
    create("acme", "r3", T0.plusSeconds(2));
    create("acme", "r4", T0.plusSeconds(3));
    TenantId acme = tenant("acme");

    // Between r3 and r2 in the order; then past the newest; then a gone run's place.
    assertThat(ids(runs.list(acme, after(T0.plusSeconds(2), "r25")))).containsExactly("r2", "r1");
    assertThat(ids(runs.list(acme, after(T0.plusSeconds(9), "a"))))
        .containsExactly("r4", "r3", "r2", "r1");
    assertThat(ids(runs.list(acme, after(T0.plusMillis(2_500), "zz"))))
        .containsExactly("r3", "r2", "r1");
    assertThat(runs.list(acme, after(T0, "r0"))).isEmpty();
  }

  @Test
  void listShowsOnlyTheTenantsRuns() {
    // Tenant ids that are prefixes of each other must not leak into one another's listing.
    create("a", "x1", T0);
    create("a", "x2", T0.plusSeconds(1));
    create("ab", "x3", T0);
    create("a-b", "x4", T0);
    create("b", "x0", T0);

    assertThat(ids(runs.list(tenant("a"), WorkflowRunQuery.all(100)))).containsExactly("x2", "x1");
    assertThat(ids(runs.list(tenant("ab"), WorkflowRunQuery.all(100)))).containsExactly("x3");
    assertThat(ids(runs.list(tenant("a-b"), WorkflowRunQuery.all(100)))).containsExactly("x4");
    assertThat(ids(runs.list(tenant("a"), after(T0, "x1")))).isEmpty();
    assertThat(runs.list(tenant("nobody"), WorkflowRunQuery.all(100))).isEmpty();
  }

  // --- findDue ---

  @Test
  void findDueReturnsRunsCheckedAtOrBeforeNowSoonestFirstAcrossTenants() {
    Instant now = T0.plusSeconds(60);
    runs.create(run("acme", "late").checkTime(now.minusSeconds(1)).build());
    runs.create(run("globex", "early").checkTime(now.minusSeconds(30)).build());
    runs.create(run("acme", "exactly-now").checkTime(now).build());
    runs.create(run("initech", "middle").checkTime(now.minusSeconds(10)).build());
    runs.create(run("acme", "a-nanosecond-later").checkTime(now.plusNanos(1)).build());
    runs.create(run("globex", "later").checkTime(now.plusSeconds(30)).build());
    runs.create(run("acme", "never").checkTime(null).state(WorkflowRunState.SUCCEEDED).build());

    assertThat(ids(runs.findDue(now, 100)))
        .containsExactly("early", "middle", "late", "exactly-now");
    assertThat(ids(runs.findDue(now, 2))).containsExactly("early", "middle");
    assertThat(ids(runs.findDue(now, 1))).containsExactly("early");
    assertThat(runs.findDue(T0, 100)).isEmpty();
    assertThat(ids(runs.findDue(now.plusSeconds(30), 100)))
        .containsExactly("early", "middle", "late", "exactly-now", "a-nanosecond-later", "later");
  }

  @Test
  void findDueReturnsWholeRuns() {
    WorkflowRun due = run("acme", "r1").checkTime(T0).output("partial ☃").build();
    runs.create(due);

    assertThat(runs.findDue(T0, 10)).containsExactly(due);
  }

  @Test
  void findDueHonoursTheLimitWhenOneTenantHasManyDueRuns() {
    for (int i = 0; i < 30; i++) {
      runs.create(run("acme", String.format("a%02d", i)).checkTime(T0.plusMillis(2 * i)).build());
      runs.create(
          run("globex", String.format("g%02d", i)).checkTime(T0.plusMillis(2 * i + 1)).build());
    }

    assertThat(ids(runs.findDue(T0.plusSeconds(1), 5)))
        .containsExactly("a00", "g00", "a01", "g01", "a02");
  }

  @Test
  void aReplaceMovesARunInAndOutOfTheDueSet() {
    WorkflowRun run = run("acme", "r1").checkTime(T0).build();
    runs.create(run);
    assertThat(ids(runs.findDue(T0, 10))).containsExactly("r1");

    WorkflowRun later = run.toBuilder().checkTime(T0.plusSeconds(10)).nextVersion(T0).build();
    assertThat(runs.replaceIfVersion(later, run.version())).isTrue();
    assertThat(runs.findDue(T0, 10)).isEmpty();
    assertThat(runs.findDue(T0.plusSeconds(10), 10)).containsExactly(later);

    WorkflowRun finished = finish(later);
    assertThat(runs.replaceIfVersion(finished, later.version())).isTrue();
    assertThat(runs.findDue(T0.plus(Duration.ofDays(365)), 10)).isEmpty();

    WorkflowRun dueAgain =
        finished.toBuilder().checkTime(T0.minusSeconds(1)).nextVersion(T0).build();
    assertThat(runs.replaceIfVersion(dueAgain, finished.version())).isTrue();
    assertThat(runs.findDue(T0, 10)).containsExactly(dueAgain);
  }

  @Test
  void aStaleReplaceLeavesTheDueSetAlone() {
    WorkflowRun run = run("acme", "r1").checkTime(T0).version(2).build();
    runs.create(run);

    assertThat(runs.replaceIfVersion(finish(run), 1)).isFalse();

    assertThat(runs.findDue(T0, 10)).containsExactly(run);
  }

  // --- deleteExpired ---

  @Test
  void deleteExpiredDeletesOnlyRunsUpdatedBeforeTheCutoffThatNobodyChecks() {
    Instant cutoff = T0.plus(Duration.ofDays(7));
    WorkflowRun expired = finished("acme", "expired", cutoff.minusNanos(1));
    WorkflowRun expiredElsewhere = finished("globex", "expired-too", cutoff.minusSeconds(9));
    WorkflowRun atCutoff = finished("acme", "at-cutoff", cutoff);
    WorkflowRun recent = finished("acme", "recent", cutoff.plusSeconds(1));
    WorkflowRun stillChecked =
        run("acme", "still-checked").updateTime(T0).checkTime(cutoff.plusSeconds(5)).build();
    WorkflowRun overdue = run("acme", "overdue").updateTime(T0).checkTime(T0).build();
    for (WorkflowRun run : List.of(expired, expiredElsewhere, atCutoff, recent, stillChecked)) {
      runs.create(run);
    }
    runs.create(overdue);

    assertThat(runs.deleteExpired(cutoff, 100)).isEqualTo(2);

    assertThat(runs.find(expired.name())).isEmpty();
    assertThat(runs.find(expiredElsewhere.name())).isEmpty();
    assertThat(runs.find(atCutoff.name())).contains(atCutoff);
    assertThat(runs.find(recent.name())).contains(recent);
    assertThat(runs.find(stillChecked.name())).contains(stillChecked);
    assertThat(runs.find(overdue.name())).contains(overdue);
    assertThat(ids(runs.list(tenant("acme"), WorkflowRunQuery.all(100))))
        .containsExactlyInAnyOrder("at-cutoff", "recent", "still-checked", "overdue");
    assertThat(runs.list(tenant("globex"), WorkflowRunQuery.all(100))).isEmpty();
    assertThat(runs.deleteExpired(cutoff, 100)).isZero();
  }

  @Test
  void deleteExpiredDeletesAtMostLimit() {
    for (int i = 0; i < 7; i++) {
      runs.create(finished(i % 2 == 0 ? "acme" : "globex", "r" + i, T0.plusSeconds(i)));
    }
    Instant cutoff = T0.plus(Duration.ofDays(1));

    assertThat(runs.deleteExpired(cutoff, 3)).isEqualTo(3);
    assertThat(remaining()).hasSize(4);
    assertThat(runs.deleteExpired(cutoff, 3)).isEqualTo(3);
    assertThat(runs.deleteExpired(cutoff, 3)).as("fewer than the limit: none left").isEqualTo(1);
    assertThat(remaining()).isEmpty();
    assertThat(runs.deleteExpired(cutoff, 3)).isZero();
  }

  @Test
  void aRunThatFinishesBecomesExpirableAndOneCheckedAgainDoesNot() {
    WorkflowRun running = run("acme", "r1").updateTime(T0).checkTime(T0).build();
    runs.create(running);
    Instant cutoff = T0.plus(Duration.ofDays(1));
    assertThat(runs.deleteExpired(cutoff, 10)).isZero();

    WorkflowRun finished = finish(running);
    assertThat(runs.replaceIfVersion(finished, running.version())).isTrue();
    WorkflowRun checkedAgain =
        finished.toBuilder().checkTime(T0.plusSeconds(1)).nextVersion(T0.plusSeconds(1)).build();
    assertThat(runs.replaceIfVersion(checkedAgain, finished.version())).isTrue();
    assertThat(runs.deleteExpired(cutoff, 10)).isZero();

    WorkflowRun done =
        checkedAgain.toBuilder().checkTime(null).nextVersion(T0.plusSeconds(2)).build();
    assertThat(runs.replaceIfVersion(done, checkedAgain.version())).isTrue();
    assertThat(runs.deleteExpired(T0.plusSeconds(2), 10)).as("updated at the cutoff").isZero();
    assertThat(runs.deleteExpired(cutoff, 10)).isEqualTo(1);
    assertThat(runs.find(running.name())).isEmpty();
    assertThat(runs.replaceIfVersion(finish(done), done.version())).isFalse();
  }

  @Test
  void deleteExpiredFreesTheRequestId() {
    WorkflowRun old = finished("acme", "r1", T0).toBuilder().requestId("req-1").build();
    WorkflowRun other =
        finished("acme", "r2", T0.plus(Duration.ofDays(2))).toBuilder().requestId("req-2").build();
    runs.create(old);
    runs.create(other);

    assertThat(runs.deleteExpired(T0.plus(Duration.ofDays(1)), 10)).isEqualTo(1);

    WorkflowRun again = run("acme", "r3").requestId("req-1").build();
    assertThat(runs.create(again)).isEqualTo(again);
    assertThat(runs.find(again.name())).contains(again);
    assertThat(runs.create(run("acme", "r4").requestId("req-2").build())).isEqualTo(other);
  }

  // --- fixtures, for subclasses too ---

  protected static TenantId tenant(String id) {
    return new TenantId(id);
  }

  protected static WorkflowRunName name(String tenant, String runId) {
    return new WorkflowRunName(new TenantId(tenant), runId);
  }

  protected static ConnectionName connection(String tenant, String connectionId) {
    return new ConnectionName(new TenantId(tenant), connectionId);
  }

  /**
   * A RUNNING async run of connection {@code alice}, created and updated at {@link #T0}, due at
   * {@code T0 + 1 min}, version 1.
   */
  protected static WorkflowRun.Builder run(String tenant, String runId) {
    return WorkflowRun.builder()
        .name(name(tenant, runId))
        .connection(connection(tenant, "alice"))
        .workflowId("wf-1")
        .mode(WorkflowRunMode.ASYNC)
        .state(WorkflowRunState.RUNNING)
        .executeId("exec-" + runId)
        .createTime(T0)
        .updateTime(T0)
        .checkTime(T0.plusSeconds(60))
        .version(1);
  }

  /** A SUCCEEDED run that nobody checks any more, last updated at {@code updateTime}. */
  protected static WorkflowRun finished(String tenant, String runId, Instant updateTime) {
    return run(tenant, runId)
        .state(WorkflowRunState.SUCCEEDED)
        .output("{\"ok\":true}")
        .checkTime(null)
        .updateTime(updateTime)
        .build();
  }

  /** {@code run}'s next version: SUCCEEDED, not checked any more. */
  private static WorkflowRun finish(WorkflowRun run) {
    return run.toBuilder()
        .state(WorkflowRunState.SUCCEEDED)
        .output("{\"done\":true}")
        .checkTime(null)
        .nextVersion(run.updateTime().plusSeconds(1))
        .build();
  }

  private void create(String tenant, String runId, Instant createTime) {
    runs.create(run(tenant, runId).createTime(createTime).build());
  }

  private static WorkflowRunQuery query(
      String workflowId, WorkflowRunState state, ConnectionName connection) {
    return query(workflowId, state, connection, 100);
  }

  private static WorkflowRunQuery query(
      String workflowId, WorkflowRunState state, ConnectionName connection, int limit) {
    return new WorkflowRunQuery(workflowId, state, connection, null, null, limit);
  }

  private static WorkflowRunQuery after(Instant createTime, String runId) {
    return new WorkflowRunQuery("", null, null, createTime, runId, 100);
  }

  /** Every page of the acme tenant's runs for {@code first}, one page after the other. */
  private List<String> pageThrough(WorkflowRunQuery first) {
    List<String> visited = new ArrayList<>();
    WorkflowRunQuery query = first;
    for (int page = 0; page < 1_000; page++) {
      List<WorkflowRun> found = runs.list(tenant("acme"), query);
      assertThat(found).hasSizeLessThanOrEqualTo(first.limit());
      if (found.isEmpty()) {
        return visited;
      }
      visited.addAll(ids(found));
      query = query.after(found.get(found.size() - 1));
    }
    throw new AssertionError("paging did not end");
  }

  private List<WorkflowRun> remaining() {
    List<WorkflowRun> all = new ArrayList<>();
    all.addAll(runs.list(tenant("acme"), WorkflowRunQuery.all(100)));
    all.addAll(runs.list(tenant("globex"), WorkflowRunQuery.all(100)));
    return all;
  }

  private static List<String> ids(List<WorkflowRun> found) {
    return found.stream().map(run -> run.name().runId()).toList();
  }
}
