package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged jar's {@code demo} and executes its printed walkthrough line by line, the way
 * an operator would paste it: each {@code grpcurl} line through server reflection only (no proto
 * files, JSON in and out, as grpcurl does), each {@code curl} line over HTTP. So the walkthrough
 * cannot drift from what the gateway accepts.
 */
class WalkthroughIT {
  @TempDir Path dir;

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
  private Process demo;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (demo != null) {
      demo.destroy();
      if (!demo.waitFor(30, TimeUnit.SECONDS)) {
        demo.destroyForcibly();
      }
    }
  }

  @Test
  void everyPrintedCommandWorksAsPrinted() throws Exception {
    List<String> commands = startDemoAndReadWalkthrough();
    java.util.Set<String> ran = new java.util.HashSet<>();

    String authorizeUri = null;
    String workflowRun = null;
    String eventId = null;
    String userCode = null;
    String deviceAuthorization = null;
    List<String> accessTokens = new ArrayList<>();
    for (String line : commands) {
      String filled = line;
      if (workflowRun != null) {
        filled = filled.replace("<workflowRun>", workflowRun).replace("<eventId>", eventId);
      }
      if (userCode != null) {
        filled =
            filled.replace("<userCode>", userCode).replace("<authorization>", deviceAuthorization);
      }
      List<String> words = shellWords(filled);
      if (words.get(0).equals("grpcurl")) {
        JsonNode out = grpcurl(words);
        String method = words.get(words.size() - 1);
        ran.add(method);
        switch (method) {
          case "list" ->
              assertThat(out.findValuesAsText("service"))
                  .contains("coze.gateway.v1.AuthService", "coze.gateway.v1.WorkflowService");
          case "coze.gateway.v1.AuthService/StartAuthorization" -> {
            assertThat(out.get("state").asText()).isEqualTo("PENDING");
            authorizeUri = out.get("authorizeUri").asText();
          }
          case "coze.gateway.v1.AuthService/GetConnection" ->
              assertThat(out.get("state").asText()).isEqualTo("ACTIVE");
          case "coze.gateway.v1.AuthService/GetAccessToken" -> {
            if (out.has("appSession")) {
              assertThat(out.get("accessToken").asText()).startsWith("czs_");
              assertThat(out.at("/appSession/sessionName").asText()).isEqualTo("user-alice");
            } else {
              accessTokens.add(out.get("accessToken").asText());
            }
          }
          case "coze.gateway.v1.WorkflowService/RunWorkflow" -> {
            assertThat(out.get("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(out.at("/outputStruct/city").asText()).isEqualTo("Paris");
          }
          case "coze.gateway.v1.WorkflowService/StreamWorkflow" -> {
            JsonNode last = out.get(out.size() - 1);
            if (last.has("interrupt")) {
              workflowRun = last.get("workflowRun").asText();
              eventId = last.at("/interrupt/eventId").asText();
            } else {
              assertThat(out.size()).isGreaterThan(2);
              assertThat(out.get(0).has("message")).isTrue();
              assertThat(last.has("done")).isTrue();
            }
          }
          case "coze.gateway.v1.WorkflowService/ResumeWorkflowRun" ->
              assertThat(out.get(out.size() - 1).has("done"))
                  .as("answered: the run finished")
                  .isTrue();
          case "coze.gateway.v1.WorkflowService/ListWorkflowRuns" ->
              assertThat(out.get("workflowRuns")).hasSize(2);
          case "coze.gateway.v1.AuthService/StartDeviceAuthorization" -> {
            assertThat(out.get("state").asText()).isEqualTo("PENDING");
            userCode = out.at("/device/userCode").asText();
            deviceAuthorization = out.get("name").asText();
          }
          case "coze.gateway.v1.AuthService/WatchAuthorization" ->
              assertThat(out.get(out.size() - 1).get("state").asText())
                  .as("approved: the gateway's poll completed it")
                  .isEqualTo("COMPLETED");
          case "coze.gateway.v1.AuthService/ListConnections" ->
              assertThat(out.get("connections")).as("alice and the TV").hasSize(2);
          case "coze.gateway.v1.AuthService/DeleteConnection" -> assertThat(out.size()).isZero();
          default -> throw new AssertionError("the walkthrough calls an unexpected " + method);
        }
      } else if (words.get(0).equals("curl")) {
        HttpResponse<String> response = curl(words, authorizeUri);
        assertThat(response.statusCode()).as(line).isEqualTo(200);
        if (response.uri().getPath().equals("/oauth/callback")) {
          assertThat(response.body()).contains("Coze account connected");
        }
        if (response.uri().getPath().equals("/_sandbox/stats")) {
          assertThat(json.readTree(response.body()).get("refresh_redemptions").asLong())
              .as("one refresh after the clock moved")
              .isEqualTo(1);
        }
      } else {
        throw new AssertionError("not a grpcurl or curl line: " + line);
      }
    }
    assertThat(ran)
        .containsExactlyInAnyOrder(
            "list",
            "coze.gateway.v1.AuthService/StartAuthorization",
            "coze.gateway.v1.AuthService/GetConnection",
            "coze.gateway.v1.AuthService/GetAccessToken",
            "coze.gateway.v1.AuthService/ListConnections",
            "coze.gateway.v1.AuthService/DeleteConnection",
            "coze.gateway.v1.WorkflowService/RunWorkflow",
            "coze.gateway.v1.WorkflowService/StreamWorkflow",
            "coze.gateway.v1.WorkflowService/ListWorkflowRuns",
            "coze.gateway.v1.WorkflowService/ResumeWorkflowRun",
            "coze.gateway.v1.AuthService/StartDeviceAuthorization",
            "coze.gateway.v1.AuthService/WatchAuthorization");
    assertThat(accessTokens)
        .as("refreshed after the clock moved")
        .hasSize(2)
        .doesNotHaveDuplicates();
    try {
      new ReflectionClient(channel)
          .call(
              "coze.gateway.v1.AuthService/GetConnection",
              "{\"name\":\"tenants/demo/connections/alice\"}");
      throw new AssertionError("the connection was deleted");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }
  }

  private List<String> startDemoAndReadWalkthrough() throws Exception {
    demo =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target", "coze-gateway.jar").toString(),
                "demo",
                "--grpc-port",
                "0",
                "--http-port",
                "0",
                "--sandbox-port",
                "0",
                "--data-dir",
                dir.resolve("data").toString())
            .redirectError(dir.resolve("stderr.log").toFile())
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
    return CompletableFuture.supplyAsync(
            () -> {
              List<String> commands = new ArrayList<>();
              try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  if (line.startsWith("Press Ctrl-C")) {
                    return commands;
                  }
                  if (line.startsWith("grpcurl ") || line.startsWith("curl ")) {
                    commands.add(line);
                  }
                }
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              throw new AssertionError("demo ended before printing its walkthrough");
            })
        .get(60, TimeUnit.SECONDS);
  }

  /** {@code grpcurl -plaintext [-d JSON] ADDRESS (list | service/method)}. */
  private JsonNode grpcurl(List<String> words) throws Exception {
    assertThat(words).contains("-plaintext");
    int d = words.indexOf("-d");
    String body = d < 0 ? "{}" : words.get(d + 1);
    String address = words.get(words.size() - 2);
    if (channel == null) {
      String[] hostPort = address.split(":");
      channel =
          NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
              .usePlaintext()
              .build();
    }
    ReflectionClient client = new ReflectionClient(channel);
    String target = words.get(words.size() - 1);
    if (target.equals("list")) {
      return json.valueToTree(
          java.util.Map.of(
              "services",
              client.listServices().stream().map(s -> java.util.Map.of("service", s)).toList()));
    }
    return json.readTree(client.call(target, body));
  }

  /** {@code curl -s [-L] [-X POST] [-H header] [-d body] URL}; {@code <authorizeUri>} filled in. */
  private HttpResponse<String> curl(List<String> words, String authorizeUri) throws Exception {
    String url = words.get(words.size() - 1);
    if (url.equals("<authorizeUri>")) {
      assertThat(authorizeUri).as("StartAuthorization ran first").isNotNull();
      url = authorizeUri;
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    int d = words.indexOf("-d");
    if (d >= 0) {
      request.POST(HttpRequest.BodyPublishers.ofString(words.get(d + 1)));
    }
    int h = words.indexOf("-H");
    if (h >= 0) {
      String[] header = words.get(h + 1).split(":\\s*", 2);
      request.header(header[0], header[1]);
    }
    HttpClient client =
        words.contains("-sL")
            ? http
            : HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Splits a command line the way a POSIX shell does for words and single quotes. */
  static List<String> shellWords(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean inWord = false;
    for (char c : line.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
        inWord = true;
      } else if (c == ' ' && !quoted) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
