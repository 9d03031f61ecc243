package dev.cozegateway.adapters.cozehttp;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JDK HTTP server on loopback that stands in for Coze's token endpoint: it records every request
 * and answers with whatever the test scripted.
 */
final class RecordingCozeServer implements AutoCloseable {

  /**
   * One request as it arrived on the wire.
   *
   * @param path the decoded path
   * @param rawPath the path as sent, percent-encoding and all
   */
  record Recorded(String method, String path, Headers headers, String body, String rawPath) {
    /** The first value of a header (names are case-insensitive), or {@code null}. */
    String header(String name) {
      return headers.getFirst(name);
    }
  }

  /** A scripted answer. */
  record Reply(int status, Map<String, String> headers, String body) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
  private final List<CountDownLatch> holds = new ArrayList<>();
  private volatile Reply reply = new Reply(500, Map.of(), "not scripted");
  private volatile java.util.function.Function<Recorded, Reply> responder;
  private volatile CountDownLatch hold;

  private RecordingCozeServer(HttpServer server) {
    this.server = server;
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  static RecordingCozeServer start() throws IOException {
    return new RecordingCozeServer(
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
  }

  URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers every following request with this status, body and extra headers. */
  void reply(int status, String contentType, String body, String... headerNamesAndValues) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    for (int i = 0; i < headerNamesAndValues.length; i += 2) {
      headers.put(headerNamesAndValues[i], headerNamesAndValues[i + 1]);
    }
    reply = new Reply(status, Map.copyOf(headers), body);
    responder = null;
  }

  /** Answers every following request with what {@code responder} makes of it. */
  void replyWith(java.util.function.Function<Recorded, Reply> responder) {
    this.responder = responder;
  }

  /** Answers with JSON, as Coze does, with the given log id. */
  void replyJson(int status, String body, String logId) {
    reply(status, "application/json; charset=utf-8", body, "X-Tt-Logid", logId);
  }

  /**
   * Makes every following request wait, after it was recorded, until the returned latch is counted
   * down (the server then answers as scripted). {@link #close()} releases them too.
   */
  synchronized CountDownLatch holdReplies() {
    CountDownLatch latch = new CountDownLatch(1);
    holds.add(latch);
    hold = latch;
    return latch;
  }

  /** The next request that arrived, waiting up to 10 s for it. */
  Recorded takeRequest() throws InterruptedException {
    Recorded recorded = requests.poll(10, TimeUnit.SECONDS);
    if (recorded == null) {
      throw new AssertionError("no request reached the server");
    }
    return recorded;
  }

  /** How many requests arrived and were not yet taken. */
  int pendingRequests() {
    return requests.size();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body;
      try (InputStream in = exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Headers copy = new Headers();
      copy.putAll(exchange.getRequestHeaders());
      Recorded recorded =
          new Recorded(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getPath(),
              copy,
              body,
              exchange.getRequestURI().getRawPath());
      requests.add(recorded);
      CountDownLatch latch = hold;
      if (latch != null) {
        try {
          latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      java.util.function.Function<Recorded, Reply> scripted = responder;
      Reply answer = scripted == null ? reply : scripted.apply(recorded);
      answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      holds.forEach(CountDownLatch::countDown);
    }
    server.stop(0);
    executor.shutdownNow();
  }
}
