package dev.cozegateway.domain;

import java.net.URI;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * An end user's trip through Coze's consent page.
 *
 * @param name {@code tenants/{tenant}/authorizations/{authorization}}
 * @param app the app being authorized
 * @param connection the connection it creates or replaces
 * @param subject the caller's end-user id
 * @param state the lifecycle state
 * @param createTime when started
 * @param expireTime when a PENDING authorization expires
 * @param returnUri where to send the browser afterwards; {@code null} for the result page
 * @param error why it is DENIED or FAILED; {@code null} otherwise
 * @param stateHash SHA-256 of the OAuth {@code state}, the lookup key; the state is never stored in
 *     clear
 * @param secrets the PKCE verifier and the state, sealed with {@link #secretsContext} as associated
 *     data, so that the authorize URI can be rebuilt while PENDING
 * @param requestId the caller's idempotency key, or empty
 * @param device a device authorization's user code, URIs and polling schedule; {@code null} for a
 *     browser (authorization-code) authorization
 * @param version incremented by every compare-and-set write ({@link
 *     dev.cozegateway.domain.port.AuthorizationStore#replaceIfVersion})
 */
public record Authorization(
    AuthorizationName name,
    AppId app,
    ConnectionName connection,
    String subject,
    AuthorizationState state,
    Instant createTime,
    Instant expireTime,
    URI returnUri,
    AuthorizationError error,
    byte[] stateHash,
    SealedSecret secrets,
    String requestId,
    DeviceGrant device,
    long version) {
  /** What a finished authorization keeps of its secrets: nothing. */
  public static final SealedSecret NO_SECRETS = SealedSecret.of(new byte[0]);

  public Authorization {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createTime, "createTime");
    Objects.requireNonNull(expireTime, "expireTime");
    Objects.requireNonNull(secrets, "secrets");
    Objects.requireNonNull(requestId, "requestId");
    stateHash = stateHash.clone();
  }

  /** A browser authorization, not yet written by compare-and-set. */
  public Authorization(
      AuthorizationName name,
      AppId app,
      ConnectionName connection,
      String subject,
      AuthorizationState state,
      Instant createTime,
      Instant expireTime,
      URI returnUri,
      AuthorizationError error,
      byte[] stateHash,
      SealedSecret secrets,
      String requestId) {
    this(
        name,
        app,
        connection,
        subject,
        state,
        createTime,
        expireTime,
        returnUri,
        error,
        stateHash,
        secrets,
        requestId,
        null,
        0);
  }

  /** Whether this is a device authorization, which the gateway polls Coze for. */
  public boolean isDevice() {
    return device != null;
  }

  /** This authorization with another device schedule, one version later. */
  public Authorization withDevice(DeviceGrant newDevice) {
    return new Authorization(
        name,
        app,
        connection,
        subject,
        state,
        createTime,
        expireTime,
        returnUri,
        error,
        stateHash,
        secrets,
        requestId,
        newDevice,
        version + 1);
  }

  /** The associated data that binds the sealed secrets to this authorization. */
  public static String secretsContext(AuthorizationName name) {
    return "authorization-secrets:" + name.name();
  }

  @Override
  public byte[] stateHash() {
    return stateHash.clone();
  }

  /**
   * This authorization in a terminal state. Its sealed verifier and state are dropped: nothing
   * needs them any more, and secrets not kept cannot leak or hold an old key in use.
   */
  public Authorization finished(AuthorizationState newState, AuthorizationError newError) {
    return new Authorization(
        name,
        app,
        connection,
        subject,
        newState,
        createTime,
        expireTime,
        returnUri,
        newError,
        stateHash,
        NO_SECRETS,
        requestId,
        device,
        version + 1);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Authorization a
        && name.equals(a.name)
        && app.equals(a.app)
        && connection.equals(a.connection)
        && subject.equals(a.subject)
        && state == a.state
        && createTime.equals(a.createTime)
        && expireTime.equals(a.expireTime)
        && Objects.equals(returnUri, a.returnUri)
        && Objects.equals(error, a.error)
        && Arrays.equals(stateHash, a.stateHash)
        && secrets.equals(a.secrets)
        && requestId.equals(a.requestId)
        && Objects.equals(device, a.device)
        && version == a.version;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, state, Arrays.hashCode(stateHash));
  }

  @Override
  public String toString() {
    return "Authorization[" + name + ", " + state + "]";
  }
}
