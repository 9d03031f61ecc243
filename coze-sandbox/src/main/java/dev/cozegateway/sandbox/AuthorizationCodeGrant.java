package dev.cozegateway.sandbox;

/** {@code grant_type=authorization_code}, with or without PKCE (§3.4, §3.5). */
final class AuthorizationCodeGrant implements Grant {
  private final ClientAuthentication clients;
  private final Authorizations authorizations;
  private final IssuedTokens tokens;

  AuthorizationCodeGrant(
      ClientAuthentication clients, Authorizations authorizations, IssuedTokens tokens) {
    this.clients = clients;
    this.authorizations = authorizations;
    this.tokens = tokens;
  }

  @Override
  public String type() {
    return "authorization_code";
  }

  @Override
  public IssuedTokens.Issued grant(TokenRequest request) throws OAuthException {
    SandboxApp app =
        clients.authenticate(request, request.has("code_verifier"), ClientAuthentication.CODE_APPS);
    // Read every parameter before touching the code, so a malformed request does not burn it.
    String code = request.requiredText("code");
    String redirectUri = request.requiredText("redirect_uri");
    String verifier = request.optionalText("code_verifier");

    Authorizations.Request authorized =
        authorizations
            .redeemCode(code)
            .orElseThrow(
                () ->
                    OAuthException.invalidGrant("authorization code is invalid, used or expired"));
    if (!authorized.clientId().equals(app.clientId())) {
      throw OAuthException.invalidGrant("authorization code was issued to another client");
    }
    if (!authorized.redirectUri().equals(redirectUri)) {
      throw OAuthException.invalidGrant("redirect_uri does not match the authorize request");
    }
    // The challenge binds the code whatever the app type: a web app that sent one must prove it.
    if (authorized.codeChallenge() != null) {
      if (verifier == null || verifier.isEmpty()) {
        throw OAuthException.invalidRequest("code_verifier");
      }
      if (!Pkce.verifies(authorized.codeChallenge(), authorized.codeChallengeMethod(), verifier)) {
        throw OAuthException.invalidGrant("code_verifier does not match code_challenge");
      }
    }
    return tokens.issueForCode(app.clientId());
  }
}
