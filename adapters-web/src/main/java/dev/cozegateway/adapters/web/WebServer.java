package dev.cozegateway.adapters.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cozegateway.application.CompleteAuthorization;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser-facing HTTP server: the OAuth callback page and {@code GET /healthz}. The bootstrap's
 * lifecycle owns it.
 */
public final class WebServer {
  private static final Logger log = LoggerFactory.getLogger(WebServer.class);

  private final WebConfig config;
  private final CompleteAuthorization completeAuthorization;
  private final AtomicBoolean serving = new AtomicBoolean();
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private final InFlight inFlight = new InFlight();
  private HttpServer server;
  private ExecutorService executor;

  public WebServer(WebConfig config, CompleteAuthorization completeAuthorization) {
    this.config = config;
    this.completeAuthorization = completeAuthorization;
  }

  /** Binds and starts serving. */
  public synchronized void start() {
    try {
      server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on http " + config.host() + ":" + config.port(), e);
    }
    // Threads on demand, so that /healthz is always answered; the callback bounds its own
    // concurrency, because each one may wait on Coze.
    executor = Executors.newCachedThreadPool(r -> new Thread(r, "web"));
    server.setExecutor(executor);
    server.createContext("/oauth/callback", new CallbackHandler(completeAuthorization, inFlight));
    server.createContext("/healthz", this::health);
    server.createContext("/", WebServer::notFound);
    server.start();
    serving.set(true);
    log.info("http listening on {}:{}", config.host(), port());
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Whether the gateway can do its work (its store is reachable); {@code /healthz} reports
   * NOT_SERVING while it cannot.
   */
  public void setReady(boolean isReady) {
    ready.set(isReady);
  }

  /** Reports NOT_SERVING on {@code /healthz} from now on, so that load balancers stop sending. */
  public void beginShutdown() {
    serving.set(false);
  }

  /**
   * Refuses new callbacks, waits up to the grace period for those in progress (each may be waiting
   * on Coze for a code exchange), then closes.
   */
  public synchronized void stop(int graceSeconds) {
    if (server == null) {
      return;
    }
    beginShutdown();
    try {
      if (!inFlight.closeAndAwait(Duration.ofSeconds(graceSeconds))) {
        log.warn("callbacks still running after {} s; closing anyway", graceSeconds);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    executor.shutdownNow();
    server = null;
  }

  private void health(HttpExchange exchange) throws IOException {
    try (exchange) {
      boolean up = serving.get() && ready.get();
      byte[] body =
          ("{\"status\":\"" + (up ? "SERVING" : "NOT_SERVING") + "\"}")
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(up ? 200 : 503, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void notFound(HttpExchange exchange) throws IOException {
    try (exchange) {
      CallbackHandler.send(exchange, 404, Html.page("Not found", "There is nothing here."));
    }
  }
}
