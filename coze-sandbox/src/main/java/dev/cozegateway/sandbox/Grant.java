package dev.cozegateway.sandbox;

/**
 * One {@code grant_type} of the token endpoint. The endpoint handles transport (JSON, errors,
 * response shape); a grant authenticates the client and decides. New flows (device code, JWT
 * bearer) plug in as further implementations.
 */
interface Grant {
  /** The {@code grant_type} value this grant answers. */
  String type();

  /**
   * Decides the request.
   *
   * @return the tokens to send; a grant without refresh tokens (JWT) leaves {@code refreshToken}
   *     null and the endpoint omits it
   * @throws OAuthException the OAuth error to send instead
   */
  IssuedTokens.Issued grant(TokenRequest request) throws OAuthException;
}
