package dev.cozegateway.adapters.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.cozegateway.application.CompleteAuthorization;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.GatewayException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /oauth/callback?code&state} (or {@code error}): Coze sends the end user's browser
 * here. Completes the pending authorization, then shows a result page or redirects to the
 * authorization's allowlisted return URI. Never puts a token in the page or the redirect.
 */
final class CallbackHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(CallbackHandler.class);

  /** Callbacks in progress at once; each may wait on Coze for the code exchange. */
  static final int MAX_CONCURRENT = 32;

  private final CompleteAuthorization completeAuthorization;
  private final InFlight inFlight;
  private final Semaphore permits = new Semaphore(MAX_CONCURRENT);

  CallbackHandler(CompleteAuthorization completeAuthorization, InFlight inFlight) {
    this.completeAuthorization = completeAuthorization;
    this.inFlight = inFlight;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, Html.page("Method not allowed", "Use GET."));
      } else if (!inFlight.enter()) {
        send(
            exchange,
            503,
            Html.page("Unavailable", "The gateway is restarting; reload in a moment."));
      } else if (!permits.tryAcquire()) {
        inFlight.exit();
        exchange.getResponseHeaders().set("Retry-After", "1");
        send(exchange, 503, Html.page("Busy", "Too many sign-ins at once; reload in a moment."));
      } else {
        try {
          complete(exchange);
        } catch (RuntimeException e) {
          log.error("authorization callback failed", e);
          send(
              exchange, 500, Html.page("Authorization failed", "Something went wrong; try again."));
        } finally {
          permits.release();
          inFlight.exit();
        }
      }
    }
  }

  private void complete(HttpExchange exchange) throws IOException {
    Map<String, String> query;
    try {
      query = parseQuery(exchange.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      send(exchange, 400, Html.page("Authorization failed", "The link is malformed."));
      return;
    }
    CompleteAuthorization.Completion completion;
    try {
      completion =
          completeAuthorization.execute(
              new CompleteAuthorization.Command(
                  query.get("state"),
                  query.get("code"),
                  query.get("error"),
                  query.get("error_description")));
    } catch (GatewayException e) {
      // No authorization is known (bad or spent state), so there is no return URI to go back to.
      log.info("authorization callback refused: {} {}", e.reason(), e.getMessage());
      send(exchange, statusFor(e), Html.page("Authorization failed", e.getMessage()));
      return;
    }
    Authorization authorization = completion.authorization();
    log.info("authorization {} is {}", authorization.name(), authorization.state());
    if (authorization.returnUri() != null) {
      redirect(exchange, withResult(authorization.returnUri(), authorization));
    } else {
      send(exchange, 200, resultPage(authorization));
    }
  }

  private static String resultPage(Authorization authorization) {
    return switch (authorization.state()) {
      case COMPLETED ->
          Html.page(
              "Coze account connected",
              "Your Coze account is connected. You can close this window.");
      case DENIED ->
          Html.page(
              "Authorization declined",
              capitalize(authorization.error().message()) + ". You can close this window.");
      case EXPIRED ->
          Html.page(
              "Authorization expired",
              "This authorization link has expired. Start again from the application.");
      default ->
          Html.page(
              "Authorization failed",
              authorization.error() == null
                  ? "The authorization could not be completed. Start again from the application."
                  : authorization.error().message() + ". Start again from the application.");
    };
  }

  private static String capitalize(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  /** The allowlisted return URI plus the authorization's name and outcome. */
  static URI withResult(URI returnUri, Authorization authorization) {
    String extra =
        "authorization="
            + URLEncoder.encode(authorization.name().name(), StandardCharsets.UTF_8)
            + "&result="
            + authorization.state().name().toLowerCase(Locale.ROOT);
    String text = returnUri.toString();
    String fragment = "";
    int hash = text.indexOf('#');
    if (hash >= 0) {
      fragment = text.substring(hash);
      text = text.substring(0, hash);
    }
    return URI.create(text + (text.contains("?") ? "&" : "?") + extra + fragment);
  }

  private static int statusFor(GatewayException e) {
    if (e instanceof GatewayException.InvalidArgument) {
      return 400;
    } else if (e instanceof GatewayException.NotFound) {
      return 404;
    } else if (e instanceof GatewayException.FailedPrecondition) {
      return 409;
    } else if (e instanceof GatewayException.Unavailable) {
      return 503;
    }
    return 500;
  }

  static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> values = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return values;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      values.putIfAbsent(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return values;
  }

  private static void redirect(HttpExchange exchange, URI location) throws IOException {
    exchange.getResponseHeaders().set("Location", location.toString());
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(302, -1);
  }

  static void send(HttpExchange exchange, int status, String html) throws IOException {
    byte[] body = html.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
