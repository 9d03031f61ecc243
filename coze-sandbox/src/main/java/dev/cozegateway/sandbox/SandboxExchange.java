package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP exchange, with the sandbox's response conventions built in: every response carries
 * {@code X-Tt-Logid} (§1), JSON goes out as {@code application/json; charset=utf-8}, and errors
 * take the OAuth shape of §3.9.
 */
final class SandboxExchange {
  static final String LOG_ID_HEADER = "X-Tt-Logid";
  static final String JSON_TYPE = "application/json; charset=utf-8";

  // Far above any OAuth body, far below Coze's 15 MB; keeps a runaway client from eating memory.
  private static final int MAX_BODY_BYTES = 1 << 20;

  private final HttpExchange exchange;
  private final ObjectMapper json;
  private final String logId;
  private int status;

  SandboxExchange(HttpExchange exchange, ObjectMapper json, String logId) {
    this.exchange = exchange;
    this.json = json;
    this.logId = logId;
    exchange.getResponseHeaders().set(LOG_ID_HEADER, logId);
  }

  String method() {
    return exchange.getRequestMethod();
  }

  /** The decoded path, without the query. */
  String path() {
    return exchange.getRequestURI().getPath();
  }

  Params query() {
    return Params.parse(exchange.getRequestURI().getRawQuery());
  }

  /** The first value of a request header, or {@code null}. */
  String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  /** Whether the request's media type is {@code mediaType}, ignoring case and parameters. */
  boolean hasContentType(String mediaType) {
    String contentType = header("Content-Type");
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().equalsIgnoreCase(mediaType);
  }

  /** Whether the caller is a browser, which should get a page rather than JSON. */
  boolean prefersHtml() {
    String accept = header("Accept");
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/html");
  }

  /** The request body as UTF-8 text. */
  String bodyText() throws IOException, OAuthException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        throw OAuthException.invalidRequest("body too large");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** The request body parsed as a JSON object; anything else is a bad request. */
  JsonNode jsonBody() throws IOException, OAuthException {
    String text = bodyText();
    JsonNode body;
    try {
      body = json.readTree(text);
    } catch (IOException e) {
      throw OAuthException.invalidRequest("body is not valid JSON");
    }
    if (body == null || !body.isObject()) {
      throw OAuthException.invalidRequest("body must be a JSON object");
    }
    return body;
  }

  ObjectNode newObject() {
    return json.createObjectNode();
  }

  void sendJson(int statusCode, JsonNode body) throws IOException {
    send(statusCode, JSON_TYPE, json.writeValueAsBytes(body));
  }

  void sendHtml(int statusCode, String html) throws IOException {
    send(statusCode, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
  }

  /** 302 to {@code location}, no body. */
  void redirect(String location) throws IOException {
    exchange.getResponseHeaders().set("Location", location);
    status = 302;
    exchange.sendResponseHeaders(302, -1);
  }

  /** The §3.9 body: all three fields, {@code error} repeating {@code error_code}. */
  void sendOAuthError(OAuthException error) throws IOException {
    ObjectNode body = newObject();
    body.put("error_code", error.errorCode());
    body.put("error_message", error.errorMessage());
    body.put("error", error.errorCode());
    sendJson(error.status(), body);
  }

  /** An error for a browser page: HTML for browsers, the §3.9 JSON for everyone else. */
  void sendPageError(OAuthException error) throws IOException {
    if (prefersHtml()) {
      sendHtml(error.status(), Pages.error(error.errorCode(), error.errorMessage()));
    } else {
      sendOAuthError(error);
    }
  }

  /** A business-API envelope (§2 (a)), used for paths the sandbox does not serve. */
  void sendEnvelope(int statusCode, int code, String msg) throws IOException {
    ObjectNode body = newObject();
    body.put("code", code);
    body.put("msg", msg);
    body.putObject("detail").put("logid", logId);
    sendJson(statusCode, body);
  }

  void setResponseHeader(String name, String value) {
    exchange.getResponseHeaders().set(name, value);
  }

  /** The status sent, or 0 if nothing has been sent yet. */
  int status() {
    return status;
  }

  private void send(int statusCode, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    status = statusCode;
    exchange.sendResponseHeaders(statusCode, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
