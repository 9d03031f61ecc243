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

  // Coze's limit for workflow API bodies (§5).
  private static final int MAX_WORKFLOW_BODY_BYTES = 20 << 20;

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
    String text = readBody(MAX_BODY_BYTES);
    if (text == null) {
      throw OAuthException.invalidRequest("body too large");
    }
    return text;
  }

  /**
   * The body of a workflow request as a JSON object; anything else is a 4000 business error (Coze
   * answers {@code "json fail"}, §2.2).
   */
  JsonNode businessJsonBody() throws IOException, BusinessException {
    String text = readBody(MAX_WORKFLOW_BODY_BYTES);
    if (text == null) {
      throw BusinessException.badRequest("body too large");
    }
    JsonNode body;
    try {
      body = json.readTree(text);
    } catch (IOException e) {
      throw new BusinessException(4000, "json fail");
    }
    if (body == null || !body.isObject()) {
      throw new BusinessException(4000, "json fail");
    }
    return body;
  }

  /** The log id this exchange's response carries. */
  String logId() {
    return logId;
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

  /**
   * The §3.9 body: all three fields, {@code error} repeating {@code error_code}, and {@code
   * error_description} on device-polling errors.
   */
  void sendOAuthError(OAuthException error) throws IOException {
    ObjectNode body = newObject();
    body.put("error_code", error.errorCode());
    body.put("error_message", error.errorMessage());
    body.put("error", error.errorCode());
    if (error.errorDescription() != null) {
      body.put("error_description", error.errorDescription());
    }
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

  /**
   * A business success: {@code "code": 0} (always, §2 (a)), {@code "msg": ""}, then {@code fields},
   * then {@code detail.logid}; HTTP 200.
   */
  void sendSuccess(ObjectNode fields) throws IOException {
    ObjectNode body = newObject();
    body.put("code", 0);
    body.put("msg", "");
    body.setAll(fields);
    body.putObject("detail").put("logid", logId);
    sendJson(200, body);
  }

  /** A business error: the envelope as HTTP 200, also on streaming endpoints (§2.2). */
  void sendBusinessError(BusinessException error) throws IOException {
    sendEnvelope(200, error.code(), error.msg());
  }

  /** Starts a {@code text/event-stream} response (HTTP 200, chunked) and returns its writer. */
  EventStream openEventStream() throws IOException {
    exchange.getResponseHeaders().set("Content-Type", EventStream.CONTENT_TYPE);
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    status = 200;
    exchange.sendResponseHeaders(200, 0);
    return new EventStream(exchange.getResponseBody(), json);
  }

  void setResponseHeader(String name, String value) {
    exchange.getResponseHeaders().set(name, value);
  }

  /** The status sent, or 0 if nothing has been sent yet. */
  int status() {
    return status;
  }

  /** The body as UTF-8 text, or {@code null} if longer than {@code maxBytes}. */
  private String readBody(int maxBytes) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readNBytes(maxBytes + 1);
      return bytes.length > maxBytes ? null : new String(bytes, StandardCharsets.UTF_8);
    }
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
