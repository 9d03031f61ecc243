package dev.cozegateway.sandbox;

/** Fixed ids the sandbox reports where Coze would name real resources. */
final class CozeIds {
  /** The workspace every sandbox workflow lives in, for {@code debug_url}. */
  static final String SPACE_ID = "7300000000000000001";

  /** Coze's default channel, the API (§4.1). */
  static final String API_CONNECTOR_ID = "1024";

  private CozeIds() {}
}
