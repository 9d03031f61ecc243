package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A parsed token-endpoint request: the JSON body, the raw {@code Authorization} header, and which
 * token endpoint it reached (§3.2).
 *
 * @param body the JSON object sent
 * @param authorization the {@code Authorization} header, or {@code null}
 * @param accountId the {@code account_id} of {@code /account/{account_id}/token}, else {@code null}
 * @param enterpriseId the {@code enterprise_id} of {@code /enterprise_id/{enterprise_id}/token},
 *     else {@code null}
 */
record TokenRequest(JsonNode body, String authorization, String accountId, String enterpriseId) {

  /** A request to the plain {@code /api/permission/oauth2/token}. */
  TokenRequest(JsonNode body, String authorization) {
    this(body, authorization, null, null);
  }

  /** Whether the body has the field at all (even as null). */
  boolean has(String field) {
    return body.has(field);
  }

  /**
   * The field as text, or {@code null} when absent or JSON null (Python sends {@code "scope":
   * null}). A non-string value is a bad request naming the field.
   */
  String optionalText(String field) throws OAuthException {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw OAuthException.invalidRequest(field);
    }
    return value.asText();
  }

  /** The field as non-empty text; otherwise a bad request naming the field. */
  String requiredText(String field) throws OAuthException {
    String value = optionalText(field);
    if (value == null || value.isEmpty()) {
      throw OAuthException.invalidRequest(field);
    }
    return value;
  }
}
