package dev.cozegateway.application;

import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.port.CozeWorkflows;
import dev.cozegateway.domain.testing.FakeCozeServiceTokens;
import dev.cozegateway.domain.testing.FakeCozeWorkflows;
import dev.cozegateway.domain.testing.InMemoryServiceTokenStore;
import dev.cozegateway.domain.testing.InMemoryWorkflowRunStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The workflow use cases on the auth fixture, a fake Coze and an in-memory run store. */
final class WorkflowFixture {
  static final String ECHO = "7431000000000000001";
  static final String STREAM = "7431000000000000002";
  static final String QUIZ = "7431000000000000004";
  static final String FAILING = "7431000000000000005";
  static final String MISSING = "7431000000000000099";

  final AuthFixture auth = new AuthFixture();
  final FakeCozeWorkflows coze = new FakeCozeWorkflows();
  final InMemoryWorkflowRunStore runs = new InMemoryWorkflowRunStore();
  final WorkflowSettings settings =
      WorkflowSettings.defaults().withPolling(Duration.ofSeconds(1), Duration.ofSeconds(8));
  final FakeCozeServiceTokens serviceCoze = new FakeCozeServiceTokens(auth.clock);
  final InMemoryServiceTokenStore serviceTokens = new InMemoryServiceTokenStore();
  final WorkflowUseCases useCases = replica();
  final ConnectionName alice;

  WorkflowFixture() {
    coze.register(ECHO, FakeCozeWorkflows.Behaviour.echoes())
        .register(
            STREAM,
            FakeCozeWorkflows.Behaviour.streams(
                "{\"output\":\"Why not?\"}", List.of("Why ", "not?")))
        .register(QUIZ, FakeCozeWorkflows.Behaviour.asks("Capital of France?", "Paris"))
        .register(FAILING, FakeCozeWorkflows.Behaviour.fails(4013, "model service error"));
    alice = auth.connect("alice");
  }

  /** Another gateway replica on the same store and Coze. */
  WorkflowUseCases replica() {
    serviceCoze.registerKey(auth.apps.require(AuthFixture.JWT_APP));
    return new WorkflowUseCases(
        auth.useCases,
        new ServiceTokenUseCases(
            auth.apps,
            serviceTokens,
            auth.leases,
            auth.vault,
            serviceCoze,
            auth.clock,
            GetAccessToken.DEFAULT_LEASE_TTL),
        auth.apps,
        auth.connections,
        runs,
        coze,
        auth.clock,
        new SecureRandom(),
        settings);
  }

  WorkflowRequest request(String workflowId, String parametersJson, String requestId) {
    return WorkflowRequest.forConnection(
        AuthFixture.TENANT, alice, workflowId, parametersJson, "", "", requestId);
  }

  WorkflowRun run(String workflowId, String parametersJson) {
    return useCases
        .runWorkflow()
        .execute(new RunWorkflow.Command(request(workflowId, parametersJson, ""), false));
  }

  /** Collects what a relay sends, in order. Thread-safe. */
  static final class Sink implements RunEvents {
    final List<Object> events = new ArrayList<>();
    volatile WorkflowRun started;

    @Override
    public synchronized void started(WorkflowRun run) {
      started = run;
    }

    @Override
    public synchronized void event(CozeWorkflows.Event event) {
      events.add(event);
    }

    @Override
    public synchronized void failed(long id, WorkflowRunError error) {
      events.add(error);
    }

    synchronized List<Object> events() {
      return List.copyOf(events);
    }

    synchronized List<String> contents() {
      return events.stream()
          .filter(e -> e instanceof CozeWorkflows.Event.Message)
          .map(e -> ((CozeWorkflows.Event.Message) e).content())
          .toList();
    }
  }
}
