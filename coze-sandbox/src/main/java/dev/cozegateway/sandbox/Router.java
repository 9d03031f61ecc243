package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one handler behind every path. Owning the whole URL space, rather than one JDK context per
 * path, is what lets every response, 404 and 405 included, carry {@code X-Tt-Logid}.
 */
final class Router implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(Router.class);

  /** Handles a matched request; {@code path} holds the path pattern's groups. */
  @FunctionalInterface
  interface Handler {
    void handle(SandboxExchange exchange, Matcher path) throws IOException;
  }

  private record Route(String method, Pattern path, Handler handler) {}

  private final List<Route> routes = new ArrayList<>();
  private final ObjectMapper json;
  private final RandomTokens random;
  private final SandboxClock clock;

  Router(ObjectMapper json, RandomTokens random, SandboxClock clock) {
    this.json = json;
    this.random = random;
    this.clock = clock;
  }

  /** Adds a route; {@code pathRegex} must match the whole decoded path. */
  Router route(String method, String pathRegex, Handler handler) {
    routes.add(new Route(method, Pattern.compile(pathRegex), handler));
    return this;
  }

  @Override
  public void handle(HttpExchange raw) {
    SandboxExchange exchange = new SandboxExchange(raw, json, random.logId(clock.instant()));
    try {
      dispatch(exchange);
    } catch (Exception e) {
      // Our own messages never hold secrets, but keep the stack trace at debug for the same
      // reason we log only paths: logs of a test run end up in CI artifacts.
      log.warn("sandbox failed on {} {}: {}", exchange.method(), exchange.path(), e.toString());
      log.debug("sandbox failure detail", e);
      if (exchange.status() == 0) {
        try {
          exchange.sendOAuthError(OAuthException.internalError());
        } catch (IOException ignored) {
          // The client is gone; nothing left to tell it.
        }
      }
    } finally {
      raw.close();
      // Path only: queries and bodies carry codes, tokens and secrets.
      log.debug("{} {} -> {}", exchange.method(), exchange.path(), exchange.status());
    }
  }

  private void dispatch(SandboxExchange exchange) throws IOException {
    Set<String> allowed = new LinkedHashSet<>();
    for (Route route : routes) {
      Matcher matcher = route.path().matcher(exchange.path());
      if (!matcher.matches()) {
        continue;
      }
      if (route.method().equals(exchange.method())) {
        route.handler().handle(exchange, matcher);
        return;
      }
      allowed.add(route.method());
    }
    if (allowed.isEmpty()) {
      exchange.sendEnvelope(404, 4200, "resource not found");
    } else {
      exchange.setResponseHeader("Allow", String.join(", ", allowed));
      exchange.sendEnvelope(405, 4000, "method not allowed");
    }
  }
}
