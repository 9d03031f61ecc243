package dev.cozegateway.domain;

import java.net.URI;
import java.util.Objects;

/**
 * Where an app's Coze lives: the API host (REST and OAuth token endpoints) and the www host
 * (browser authorize pages). Apps, keys and tokens belong to one region.
 *
 * @param label {@code coze.com}, {@code coze.cn}, or the custom base URL
 * @param apiBase the API base URL, without a trailing slash
 * @param wwwBase the browser base URL, without a trailing slash
 */
public record CozeRegion(String label, URI apiBase, URI wwwBase) {
  public static final CozeRegion COZE_COM =
      new CozeRegion(
          "coze.com", URI.create("https://api.coze.com"), URI.create("https://www.coze.com"));
  public static final CozeRegion COZE_CN =
      new CozeRegion(
          "coze.cn", URI.create("https://api.coze.cn"), URI.create("https://www.coze.cn"));

  public CozeRegion {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(apiBase, "apiBase");
    Objects.requireNonNull(wwwBase, "wwwBase");
  }

  /**
   * A custom base URL, e.g. a sandbox. The browser host is derived the way the official clients do
   * it: {@code api.} becomes {@code www.}; a host without {@code api.} serves both.
   */
  public static CozeRegion custom(URI base) {
    String text = stripSlash(base.toString());
    URI api = URI.create(text);
    String host = api.getHost();
    URI www =
        host != null && host.startsWith("api.")
            ? URI.create(text.replaceFirst("//api\\.", "//www."))
            : api;
    return new CozeRegion(text, api, www);
  }

  /** {@code coze.com}, {@code coze.cn}, or an absolute http(s) base URL. */
  public static CozeRegion parse(String value) {
    return switch (value) {
      case "coze.com" -> COZE_COM;
      case "coze.cn" -> COZE_CN;
      default -> custom(URI.create(value));
    };
  }

  /** The host name a JWT's {@code aud} claim names. */
  public String apiHost() {
    return apiBase.getHost();
  }

  private static String stripSlash(String text) {
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }
}
