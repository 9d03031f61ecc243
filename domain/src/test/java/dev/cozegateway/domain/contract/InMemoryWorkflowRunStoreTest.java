package dev.cozegateway.domain.contract;

import dev.cozegateway.domain.port.WorkflowRunStore;
import dev.cozegateway.domain.testing.InMemoryWorkflowRunStore;

/** Keeps the fake honest: it must pass the same contract as the real stores. */
class InMemoryWorkflowRunStoreTest extends WorkflowRunStoreContract {
  @Override
  protected WorkflowRunStore store() {
    return new InMemoryWorkflowRunStore();
  }
}
