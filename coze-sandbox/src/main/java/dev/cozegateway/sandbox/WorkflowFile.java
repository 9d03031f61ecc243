package dev.cozegateway.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads workflow files: JSON of the form {@code {"workflows": [{"id", "name", "kind", …}, …]}}.
 * Keys per kind (durations in milliseconds, default 0):
 *
 * <ul>
 *   <li>{@code echo}: none
 *   <li>{@code stream}: {@code messages} (strings, required), {@code delay_ms}, {@code ping_ms}
 *   <li>{@code question}: {@code question} (required), {@code expected_answer} (absent: any
 *       non-blank answer)
 *   <li>{@code fail}: {@code error_code} (required, non-zero), {@code error_message} (required)
 *   <li>{@code slow}: {@code duration_ms} (required), {@code ping_ms}
 *   <li>{@code large}: {@code output_bytes} (required)
 * </ul>
 *
 * <p>Unknown keys are errors, so a typo fails at start-up instead of silently using a default.
 * Every error names the file and the offending entry.
 */
final class WorkflowFile {
  static final Pattern DECIMAL_ID = Pattern.compile("\\d{1,32}");

  /** The classpath resource behind {@link SandboxConfig#demoWorkflows()}. */
  static final String BUILT_IN = "demo-workflows.json";

  private static final Set<String> COMMON = Set.of("id", "name", "kind");
  private static final Map<String, Set<String>> KEYS =
      Map.of(
          "echo", Set.of(),
          "stream", Set.of("messages", "delay_ms", "ping_ms"),
          "question", Set.of("question", "expected_answer"),
          "fail", Set.of("error_code", "error_message"),
          "slow", Set.of("duration_ms", "ping_ms"),
          "large", Set.of("output_bytes"));

  private WorkflowFile() {}

  /**
   * The workflows in {@code file}.
   *
   * @throws UncheckedIOException if it cannot be read
   * @throws IllegalArgumentException if it is not a valid workflow file
   */
  static List<SandboxWorkflow> read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(file.toString(), in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read workflow file " + file, e);
    }
  }

  /** The built-in demo set, from the classpath. */
  static List<SandboxWorkflow> builtIn() {
    try (InputStream in = WorkflowFile.class.getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + BUILT_IN);
      }
      return parse(BUILT_IN, in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + BUILT_IN, e);
    }
  }

  /** Parses a workflow file's content; {@code source} names it in error messages. */
  static List<SandboxWorkflow> parse(String source, InputStream in) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(in);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage());
    }
    JsonNode list = root == null ? null : root.get("workflows");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException(source + ": expected {\"workflows\": [ … ]}");
    }
    List<SandboxWorkflow> workflows = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = source + ": workflows[" + i + "]";
      try {
        workflows.add(entry(list.get(i), where));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            e.getMessage().startsWith(source) ? e.getMessage() : where + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(workflows);
  }

  private static SandboxWorkflow entry(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": must be an object");
    }
    String kind = text(node, "kind", where);
    Set<String> allowed = KEYS.get(kind);
    if (allowed == null) {
      throw new IllegalArgumentException(
          where + ": unknown kind '" + kind + "', expected one of " + KEYS.keySet());
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!COMMON.contains(name) && !allowed.contains(name)) {
        throw new IllegalArgumentException(
            where + ": unknown key '" + name + "' for kind " + kind + ", allowed " + allowed);
      }
    }
    String id = text(node, "id", where);
    String name = text(node, "name", where);
    return switch (kind) {
      case "echo" -> new SandboxWorkflow.Echo(id, name);
      case "stream" ->
          new SandboxWorkflow.Streaming(
              id,
              name,
              strings(node, "messages", where),
              millis(node, "delay_ms", where, false),
              millis(node, "ping_ms", where, false));
      case "question" ->
          new SandboxWorkflow.Question(
              id,
              name,
              text(node, "question", where),
              node.hasNonNull("expected_answer") ? text(node, "expected_answer", where) : null);
      case "fail" ->
          new SandboxWorkflow.Failing(
              id,
              name,
              (int) number(node, "error_code", where, true),
              text(node, "error_message", where));
      case "slow" ->
          new SandboxWorkflow.Slow(
              id,
              name,
              millis(node, "duration_ms", where, true),
              millis(node, "ping_ms", where, false));
      default ->
          new SandboxWorkflow.LargeOutput(
              id, name, Math.toIntExact(number(node, "output_bytes", where, true)));
    };
  }

  private static String text(JsonNode node, String key, String where) {
    JsonNode value = node.get(key);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(where + ": '" + key + "' must be a string");
    }
    return value.textValue();
  }

  private static long number(JsonNode node, String key, String where, boolean required) {
    JsonNode value = node.get(key);
    if (value == null && !required) {
      return 0;
    }
    if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
      throw new IllegalArgumentException(where + ": '" + key + "' must be an integer");
    }
    return value.intValue();
  }

  private static Duration millis(JsonNode node, String key, String where, boolean required) {
    long ms = number(node, key, where, required);
    if (ms < 0) {
      throw new IllegalArgumentException(where + ": '" + key + "' must be >= 0");
    }
    return Duration.ofMillis(ms);
  }

  private static List<String> strings(JsonNode node, String key, String where) {
    JsonNode value = node.get(key);
    if (value == null || !value.isArray()) {
      throw new IllegalArgumentException(where + ": '" + key + "' must be an array of strings");
    }
    List<String> items = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw new IllegalArgumentException(where + ": '" + key + "' must hold strings only");
      }
      items.add(item.textValue());
    }
    return items;
  }
}
