package dev.cozegateway.sandbox;

/**
 * {@code grant_type=urn:ietf:params:oauth:grant-type:device_code}: the device's token poll (§3.8).
 * Answers the polling errors as HTTP 400 with {@code error_description}, or the token pair (with a
 * refresh token, {@code expires_in} absolute) once the user approved; a device code is redeemed
 * once.
 */
final class DeviceCodeGrant implements Grant {
  static final String TYPE = "urn:ietf:params:oauth:grant-type:device_code";

  private final ClientAuthentication clients;
  private final DeviceCodes deviceCodes;
  private final IssuedTokens tokens;

  DeviceCodeGrant(ClientAuthentication clients, DeviceCodes deviceCodes, IssuedTokens tokens) {
    this.clients = clients;
    this.deviceCodes = deviceCodes;
    this.tokens = tokens;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public IssuedTokens.Issued grant(TokenRequest request) throws OAuthException {
    SandboxApp app = clients.authenticate(request, false, ClientAuthentication.DEVICE_APPS);
    String deviceCode = request.requiredText("device_code");
    return switch (deviceCodes.poll(deviceCode, app.clientId())) {
      case APPROVED -> tokens.issueForDevice(app.clientId());
      case PENDING ->
          throw OAuthException.devicePolling(
              "authorization_pending",
              "Authorization pending",
              "the user has not yet approved or denied this request");
      case SLOW_DOWN ->
          throw OAuthException.devicePolling(
              "slow_down",
              "Slow Down",
              "polled sooner than "
                  + deviceCodes.interval().toSeconds()
                  + " s after the previous poll; poll less often");
      case DENIED ->
          throw OAuthException.devicePolling(
              "access_denied", "Access denied", "the user denied the authorization request");
      case EXPIRED ->
          throw OAuthException.devicePolling(
              "expired_token", "Expired token", "the device code has expired; request a new one");
      case USED -> throw OAuthException.invalidGrant("device code has already been used");
      case WRONG_CLIENT ->
          throw OAuthException.invalidGrant("device code was issued to another client");
      case UNKNOWN -> throw OAuthException.invalidGrant("device code is invalid");
    };
  }
}
