package dev.cozegateway.sandbox;

/** {@code grant_type=refresh_token}, with rotation: each refresh token works once (§3.6). */
final class RefreshTokenGrant implements Grant {
  private final ClientAuthentication clients;
  private final IssuedTokens tokens;

  RefreshTokenGrant(ClientAuthentication clients, IssuedTokens tokens) {
    this.clients = clients;
    this.tokens = tokens;
  }

  @Override
  public String type() {
    return "refresh_token";
  }

  @Override
  public IssuedTokens.Issued grant(TokenRequest request) throws OAuthException {
    String refreshToken = request.requiredText("refresh_token");
    SandboxApp app;
    try {
      app = clients.authenticate(request, false, ClientAuthentication.REFRESHING_APPS);
    } catch (OAuthException e) {
      // Counted, but the token is not consumed: a bad credential must not burn a user's token.
      tokens.rejectBeforeRedemption(refreshToken);
      throw e;
    }
    return switch (tokens.redeem(refreshToken, app.clientId())) {
      case REDEEMED -> tokens.issueForRefresh(app.clientId());
      case USED -> throw OAuthException.invalidGrant("refresh token has already been used");
      case EXPIRED -> throw OAuthException.invalidGrant("refresh token has expired");
      case WRONG_CLIENT ->
          throw OAuthException.invalidGrant("refresh token was issued to another client");
      case UNKNOWN -> throw OAuthException.invalidGrant("refresh token is invalid");
    };
  }
}
