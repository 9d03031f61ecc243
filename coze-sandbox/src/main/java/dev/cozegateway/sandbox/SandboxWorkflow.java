package dev.cozegateway.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A scripted workflow the sandbox serves on the workflow endpoints (§4). Each kind plays one fixed
 * script, so a test knows exactly what a run produces. Define them in Java or in a workflow file
 * ({@link SandboxConfig#withWorkflowFile}).
 *
 * <p>Every workflow has an id, a decimal string as on Coze ({@code "7431000000000000001"}), and a
 * name. Durations are wall-clock for sync and stream runs; async runs finish on the sandbox clock
 * (see {@link CozeSandbox}).
 */
public sealed interface SandboxWorkflow {
  /** The workflow id: decimal digits, as Coze's 19-digit ids. */
  String id();

  /** A human-readable name, shown in the control surface's workflow list. */
  String name();

  /** The kind's name as the workflow file spells it ({@code echo}, {@code stream}, …). */
  String kind();

  /** Output = the run's {@code parameters}, serialized as the {@code data} string. */
  record Echo(String id, String name) implements SandboxWorkflow {
    public Echo {
      checkIdAndName(id, name);
    }

    @Override
    public String kind() {
      return "echo";
    }
  }

  /**
   * Streams {@code messages} as {@code Message} events from a node titled {@code Message}, {@code
   * delay} apart, then the end node's message {@code {"output": <messages joined>}} with usage.
   * While waiting, a stream run sends a {@code PING} every {@code pingInterval} (zero: none).
   */
  record Streaming(
      String id, String name, List<String> messages, Duration delay, Duration pingInterval)
      implements SandboxWorkflow {
    public Streaming {
      checkIdAndName(id, name);
      messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
      if (messages.isEmpty()) {
        throw new IllegalArgumentException("workflow " + id + ": messages must not be empty");
      }
      checkNotNegative(delay, "delay", id);
      checkNotNegative(pingInterval, "pingInterval", id);
    }

    @Override
    public String kind() {
      return "stream";
    }
  }

  /**
   * A question node: asks {@code question}, then interrupts (type 2). A resume whose {@code
   * resume_data} equals {@code expectedAnswer} (ignoring surrounding blanks), or is not blank when
   * {@code expectedAnswer} is {@code null}, ends the run with {@code {"output": <answer>}}; any
   * other answer asks again under a new event id. The third unsatisfying resume fails the run.
   */
  record Question(String id, String name, String question, String expectedAnswer)
      implements SandboxWorkflow {
    public Question {
      checkIdAndName(id, name);
      checkText(question, "question", id);
    }

    @Override
    public String kind() {
      return "question";
    }
  }

  /**
   * Fails with a Coze business code: a sync run gets the error envelope, a stream run an in-stream
   * {@code Error} event, an async run a {@code Fail} record in its run history.
   */
  record Failing(String id, String name, int errorCode, String errorMessage)
      implements SandboxWorkflow {
    public Failing {
      checkIdAndName(id, name);
      if (errorCode == 0) {
        throw new IllegalArgumentException("workflow " + id + ": errorCode must not be 0");
      }
      checkText(errorMessage, "errorMessage", id);
    }

    @Override
    public String kind() {
      return "fail";
    }
  }

  /**
   * Takes {@code duration}, then outputs {@code {"output": "done"}}. A stream run sends a {@code
   * PING} every {@code pingInterval} (zero: none) while it waits.
   */
  record Slow(String id, String name, Duration duration, Duration pingInterval)
      implements SandboxWorkflow {
    public Slow {
      checkIdAndName(id, name);
      checkNotNegative(duration, "duration", id);
      checkNotNegative(pingInterval, "pingInterval", id);
    }

    @Override
    public String kind() {
      return "slow";
    }
  }

  /** Outputs {@code {"output": "xxx…"}} with exactly {@code outputBytes} ASCII characters. */
  record LargeOutput(String id, String name, int outputBytes) implements SandboxWorkflow {
    public LargeOutput {
      checkIdAndName(id, name);
      if (outputBytes < 0) {
        throw new IllegalArgumentException("workflow " + id + ": outputBytes must be >= 0");
      }
    }

    @Override
    public String kind() {
      return "large";
    }
  }

  private static void checkIdAndName(String id, String name) {
    if (id == null || !WorkflowFile.DECIMAL_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("workflow id must be decimal digits, got " + id);
    }
    checkText(name, "name", id);
  }

  private static void checkText(String value, String field, String id) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("workflow " + id + ": " + field + " must not be blank");
    }
  }

  private static void checkNotNegative(Duration value, String field, String id) {
    Objects.requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException("workflow " + id + ": " + field + " must be >= 0");
    }
  }
}
