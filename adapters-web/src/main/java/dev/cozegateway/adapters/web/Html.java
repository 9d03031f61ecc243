package dev.cozegateway.adapters.web;

/** The small result pages the callback shows. Every dynamic value is escaped. */
final class Html {
  private Html() {}

  static String page(String title, String message) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + escape(title)
        + "</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
        + "padding:0 1rem;color:#1d1d1f}h1{font-size:1.4rem}</style></head><body><h1>"
        + escape(title)
        + "</h1><p>"
        + escape(message)
        + "</p></body></html>";
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
