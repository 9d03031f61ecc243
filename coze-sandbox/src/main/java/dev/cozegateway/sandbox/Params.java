package dev.cozegateway.sandbox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decoded {@code application/x-www-form-urlencoded} parameters: a URL query or a form body. */
final class Params {
  private final Map<String, List<String>> values;

  private Params(Map<String, List<String>> values) {
    this.values = values;
  }

  /** Parses {@code a=1&b=2}; {@code null} or empty gives no parameters. */
  static Params parse(String encoded) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    if (encoded != null && !encoded.isEmpty()) {
      for (String pair : encoded.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        values.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
      }
    }
    return new Params(values);
  }

  /**
   * The parameter's value, or {@code null} when absent. OAuth parameters must not repeat (RFC 6749
   * §3.1), and silently picking one would hide a client bug, so a repeat is a bad request.
   */
  String optional(String name) throws OAuthException {
    List<String> found = values.get(name);
    if (found == null) {
      return null;
    }
    if (found.size() > 1) {
      throw OAuthException.invalidRequest(name);
    }
    return found.get(0);
  }

  /** The parameter's value; absent or empty is a bad request naming the parameter. */
  String required(String name) throws OAuthException {
    String value = optional(name);
    if (value == null || value.isEmpty()) {
      throw OAuthException.invalidRequest(name);
    }
    return value;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }
}
