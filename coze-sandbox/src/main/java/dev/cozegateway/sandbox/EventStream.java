package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes an SSE response in the one shape every official client reads (§4.2 "Sandbox:"): {@code id:
 * n}, {@code event: Name}, {@code data: <one-line JSON>}, a blank line; ids from 0; no comments, no
 * {@code retry:}. Each event is flushed at once, so a client that has gone away makes the next
 * {@link #send} fail: that is how the sandbox notices a disconnect. Not thread-safe: one writer per
 * stream.
 */
final class EventStream {
  static final String CONTENT_TYPE = "text/event-stream";

  private final OutputStream out;
  private final ObjectMapper json;
  private int sent;

  EventStream(OutputStream out, ObjectMapper json) {
    this.out = out;
    this.json = json;
  }

  /**
   * Sends one event with the next id.
   *
   * @throws IOException if the client is gone
   */
  void send(String event, JsonNode data) throws IOException {
    // Jackson's compact output escapes newlines inside strings, so data is always one line.
    String frame =
        "id: " + sent + "\nevent: " + event + "\ndata: " + json.writeValueAsString(data) + "\n\n";
    out.write(frame.getBytes(StandardCharsets.UTF_8));
    out.flush();
    sent++;
  }

  /** How many events were sent; also the id the next one gets. */
  int sent() {
    return sent;
  }
}
