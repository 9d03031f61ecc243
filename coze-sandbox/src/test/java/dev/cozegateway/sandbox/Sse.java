package dev.cozegateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** A strict parser of the sandbox's SSE: exactly the §4.2 "Sandbox:" shape, or the test fails. */
final class Sse {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One event. */
  record Event(int id, String event, String data) {
    JsonNode json() {
      try {
        return JSON.readTree(data);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private Sse() {}

  /** Asserts an SSE response and parses its body. */
  static List<Event> events(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/event-stream");
    assertThat(response.headers().firstValue("X-Tt-Logid")).isPresent();
    return parse(response.body());
  }

  /**
   * Parses raw text: blocks of exactly {@code id: n}, {@code event: Name}, {@code data: {json}},
   * each followed by a blank line, ids 0, 1, 2, … and every data a JSON object.
   */
  static List<Event> parse(String body) {
    assertThat(body).endsWith("\n\n").doesNotContain("\r");
    String[] blocks = body.substring(0, body.length() - 2).split("\n\n", -1);
    List<Event> events = new ArrayList<>();
    for (String block : blocks) {
      String[] lines = block.split("\n", -1);
      assertThat(lines).as(block).hasSize(3);
      assertThat(lines[0]).as(block).matches("id: \\d+");
      assertThat(lines[1]).as(block).matches("event: [A-Za-z]+");
      assertThat(lines[2]).as(block).startsWith("data: {").endsWith("}");
      Event event =
          new Event(
              Integer.parseInt(lines[0].substring(4)),
              lines[1].substring(7),
              lines[2].substring(6));
      assertThat(event.id()).as("ids count from 0").isEqualTo(events.size());
      assertThat(event.json().isObject()).isTrue();
      events.add(event);
    }
    return events;
  }

  /** The event names in order. */
  static List<String> names(List<Event> events) {
    return events.stream().map(Event::event).toList();
  }
}
