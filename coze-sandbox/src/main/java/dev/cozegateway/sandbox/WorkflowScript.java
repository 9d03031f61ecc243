package dev.cozegateway.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link SandboxWorkflow} does on a run or a resume, as a list of steps that every run mode
 * plays its own way: a stream run sends each step as it comes, a sync run waits and answers with
 * the last step, an async run records the last step for when the waits are over. The last step is
 * always a {@link Terminal}. Thread-safe (stateless).
 */
final class WorkflowScript {
  /** Coze allows at most this many resumes per run (§4.3, §5). */
  static final int MAX_RESUMES = 3;

  /** One step of a workflow run. */
  sealed interface Step {}

  /** A streamed {@code Message} from an output node; only stream runs show it. */
  record Emit(String content, String nodeTitle, int nodeSeqId, boolean nodeIsFinish)
      implements Step {}

  /** Time the workflow takes here; a stream run sends {@code PING}s every {@code pingInterval}. */
  record Wait(Duration duration, Duration pingInterval) implements Step {}

  /** How a run (or one leg of it, up to an interrupt) ends. */
  sealed interface Terminal extends Step {}

  /** Success: {@code output} is the end node's output serialized as JSON (the {@code data}). */
  record Finish(String output, Usage usage) implements Terminal {}

  /** A question node asks {@code question} and interrupts (type {@value #QUESTION_TYPE}). */
  record Ask(String question) implements Terminal {
    static final int QUESTION_TYPE = 2;
  }

  /** Failure with a Coze code. */
  record Fail(int code, String message) implements Terminal {}

  /** Token usage; {@code token_count} is the sum. */
  record Usage(int inputCount, int outputCount) {
    static final Usage NONE = new Usage(0, 0);

    int tokenCount() {
      return inputCount + outputCount;
    }
  }

  private final ObjectMapper json;

  WorkflowScript(ObjectMapper json) {
    this.json = json;
  }

  /** The steps of a new run with these start-node {@code parameters}. */
  List<Step> start(SandboxWorkflow workflow, ObjectNode parameters) {
    int input = serialize(parameters).length();
    List<Step> steps = new ArrayList<>();
    if (workflow instanceof SandboxWorkflow.Echo) {
      steps.add(finish(parameters, input));
    } else if (workflow instanceof SandboxWorkflow.Streaming streaming) {
      List<String> messages = streaming.messages();
      for (int i = 0; i < messages.size(); i++) {
        if (i > 0) {
          steps.add(new Wait(streaming.delay(), streaming.pingInterval()));
        }
        steps.add(new Emit(messages.get(i), "Message", i, i == messages.size() - 1));
      }
      steps.add(finish(output(String.join("", messages)), input));
    } else if (workflow instanceof SandboxWorkflow.Question question) {
      steps.add(new Ask(question.question()));
    } else if (workflow instanceof SandboxWorkflow.Failing failing) {
      steps.add(new Fail(failing.errorCode(), failing.errorMessage()));
    } else if (workflow instanceof SandboxWorkflow.Slow slow) {
      steps.add(new Wait(slow.duration(), slow.pingInterval()));
      steps.add(finish(output("done"), input));
    } else if (workflow instanceof SandboxWorkflow.LargeOutput large) {
      steps.add(finish(output("x".repeat(large.outputBytes())), input));
    } else {
      throw new IllegalStateException("unknown workflow kind " + workflow.kind());
    }
    return steps;
  }

  /**
   * The steps after the {@code resumeNumber}-th resume (1-based) with {@code answer}. Only question
   * workflows interrupt, so only they are ever resumed.
   */
  List<Step> resume(SandboxWorkflow workflow, String answer, int resumeNumber) {
    SandboxWorkflow.Question question = (SandboxWorkflow.Question) workflow;
    boolean satisfying =
        question.expectedAnswer() == null
            ? !answer.isBlank()
            : answer.trim().equals(question.expectedAnswer().trim());
    if (satisfying) {
      return List.of(finish(output(answer), answer.length()));
    }
    if (resumeNumber >= MAX_RESUMES) {
      return List.of(
          new Fail(
              4000,
              "Request parameter error: the question node got no acceptable answer in "
                  + MAX_RESUMES
                  + " resumes"));
    }
    return List.of(new Ask(question.question()));
  }

  /** The sum of the waits. */
  static Duration totalWait(List<Step> steps) {
    Duration total = Duration.ZERO;
    for (Step step : steps) {
      if (step instanceof Wait wait) {
        total = total.plus(wait.duration());
      }
    }
    return total;
  }

  static Terminal terminal(List<Step> steps) {
    return (Terminal) steps.get(steps.size() - 1);
  }

  private ObjectNode output(String value) {
    ObjectNode node = json.createObjectNode();
    node.put("output", value);
    return node;
  }

  private Finish finish(ObjectNode output, int inputCount) {
    String serialized = serialize(output);
    return new Finish(serialized, new Usage(inputCount, serialized.length()));
  }

  private String serialize(ObjectNode node) {
    try {
      return json.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }
}
