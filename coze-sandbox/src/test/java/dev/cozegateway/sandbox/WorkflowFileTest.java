package dev.cozegateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workflow files, the built-in demo set, and workflow config validation. */
class WorkflowFileTest {
  @TempDir Path dir;

  @Test
  void aFileDefinesEveryKind() throws Exception {
    Path file =
        write(
            """
            {"workflows": [
              {"id": "7431000000000000001", "name": "echo", "kind": "echo"},
              {"id": "7431000000000000002", "name": "s", "kind": "stream",
               "messages": ["a", "b"], "delay_ms": 5, "ping_ms": 2},
              {"id": "7431000000000000003", "name": "q", "kind": "question",
               "question": "Why?", "expected_answer": "Because"},
              {"id": "7431000000000000004", "name": "f", "kind": "fail",
               "error_code": 4013, "error_message": "model"},
              {"id": "7431000000000000005", "name": "slow", "kind": "slow", "duration_ms": 250},
              {"id": "7431000000000000006", "name": "big", "kind": "large", "output_bytes": 10}
            ]}
            """);

    List<SandboxWorkflow> workflows = SandboxConfig.defaults().withWorkflowFile(file).workflows();

    assertThat(workflows)
        .containsExactly(
            new SandboxWorkflow.Echo("7431000000000000001", "echo"),
            new SandboxWorkflow.Streaming(
                "7431000000000000002",
                "s",
                List.of("a", "b"),
                Duration.ofMillis(5),
                Duration.ofMillis(2)),
            new SandboxWorkflow.Question("7431000000000000003", "q", "Why?", "Because"),
            new SandboxWorkflow.Failing("7431000000000000004", "f", 4013, "model"),
            new SandboxWorkflow.Slow(
                "7431000000000000005", "slow", Duration.ofMillis(250), Duration.ZERO),
            new SandboxWorkflow.LargeOutput("7431000000000000006", "big", 10));
  }

  @Test
  void mistakesFailAtStartUpNamingTheFileAndEntry() throws Exception {
    Path typo =
        write(
            "{\"workflows\":[{\"id\":\"7431\",\"name\":\"s\",\"kind\":\"slow\",\"duration\":5}]}");
    Path kind = write("{\"workflows\":[{\"id\":\"7431\",\"name\":\"x\",\"kind\":\"chat\"}]}");
    Path badId = write("{\"workflows\":[{\"id\":\"abc\",\"name\":\"x\",\"kind\":\"echo\"}]}");
    Path dup =
        write(
            "{\"workflows\":[{\"id\":\"1\",\"name\":\"a\",\"kind\":\"echo\"},"
                + "{\"id\":\"1\",\"name\":\"b\",\"kind\":\"echo\"}]}");
    Path notJson = write("workflows: []");
    SandboxConfig base = SandboxConfig.defaults();

    assertThatThrownBy(() -> base.withWorkflowFile(typo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(typo.toString())
        .hasMessageContaining("workflows[0]")
        .hasMessageContaining("'duration'");
    assertThatThrownBy(() -> base.withWorkflowFile(kind))
        .hasMessageContaining("unknown kind 'chat'");
    assertThatThrownBy(() -> base.withWorkflowFile(badId)).hasMessageContaining("decimal digits");
    assertThatThrownBy(() -> base.withWorkflowFile(dup))
        .hasMessageContaining("duplicate workflow id");
    assertThatThrownBy(() -> base.withWorkflowFile(notJson)).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> base.withWorkflowFile(dir.resolve("missing.json")))
        .isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void defaultsHaveNoWorkflowsAndAllowAsync() {
    SandboxConfig config = SandboxConfig.defaults();

    assertThat(config.workflows()).isEmpty();
    assertThat(config.asyncRunsAllowed()).isTrue();
  }

  @Test
  void theDemoHasOneBuiltInWorkflowOfEachKindWithCozeLikeIds() {
    List<SandboxWorkflow> demo = SandboxConfig.demo(0).workflows();

    assertThat(demo).isEqualTo(SandboxConfig.demoWorkflows());
    assertThat(demo)
        .extracting(SandboxWorkflow::kind)
        .contains("echo", "stream", "question", "fail", "slow", "large");
    assertThat(demo).allSatisfy(workflow -> assertThat(workflow.id()).matches("\\d{19}"));
  }

  @Test
  void theDemoSandboxServesItsEchoWorkflow() {
    try (CozeSandbox sandbox = CozeSandbox.start(SandboxConfig.demo(0).withAutoApprove(true))) {
      SandboxTestClient http = new SandboxTestClient(sandbox);
      String redirect = SandboxConfig.DEMO_REDIRECT_URIS.get(0);
      String code = http.approvedCode(SandboxConfig.DEMO_WEB_CLIENT_ID, redirect, null, null);
      String token =
          http.json(
                  http.exchange(
                      SandboxConfig.DEMO_WEB_CLIENT_ID,
                      code,
                      redirect,
                      null,
                      "Bearer " + SandboxConfig.DEMO_WEB_CLIENT_SECRET))
              .get("access_token")
              .asText();

      JsonNode body =
          http.assertSuccess(
              http.postWorkflow(
                  "/v1/workflow/run",
                  token,
                  Map.of("workflow_id", "7431000000000000001", "parameters", Map.of("q", "hi"))));

      assertThat(body.get("data").asText()).isEqualTo("{\"q\":\"hi\"}");
    }
  }

  private Path write(String content) throws Exception {
    Path file = Files.createTempFile(dir, "workflows", ".json");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }
}
