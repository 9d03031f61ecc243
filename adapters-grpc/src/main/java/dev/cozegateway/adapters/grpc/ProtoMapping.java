package dev.cozegateway.adapters.grpc;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AppSession;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.application.AuthorizationDetails;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.application.GetServiceToken;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.DeviceGrant;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;

/** Between API messages and domain values, in both directions. Pure, stateless. */
final class ProtoMapping {
  private ProtoMapping() {}

  /** A connection's metadata. Its sealed tokens are deliberately not mapped: they never leave. */
  static Connection toProto(dev.cozegateway.domain.Connection connection) {
    Connection.Builder proto =
        Connection.newBuilder()
            .setName(connection.name().name())
            .setApp(connection.app().name())
            .setSubject(connection.subject())
            .setState(toProto(connection.state()))
            .setCreateTime(toTimestamp(connection.createTime()))
            .setUpdateTime(toTimestamp(connection.updateTime()))
            .setAccessTokenExpireTime(toTimestamp(connection.accessTokenExpireTime()));
    if (connection.lastRefreshTime() != null) {
      proto.setLastRefreshTime(toTimestamp(connection.lastRefreshTime()));
    }
    return proto.build();
  }

  /** An authorization as callers see it; {@code authorize_uri} only while there is one. */
  static Authorization toProto(AuthorizationDetails details) {
    dev.cozegateway.domain.Authorization authorization = details.authorization();
    Authorization.Builder proto =
        Authorization.newBuilder()
            .setName(authorization.name().name())
            .setApp(authorization.app().name())
            .setConnection(authorization.connection().name())
            .setState(toProto(authorization.state()))
            .setExpireTime(toTimestamp(authorization.expireTime()))
            .setSubject(authorization.subject())
            .setCreateTime(toTimestamp(authorization.createTime()));
    if (details.authorizeUri() != null) {
      proto.setAuthorizeUri(details.authorizeUri().toString());
    }
    if (authorization.returnUri() != null) {
      proto.setReturnUri(authorization.returnUri().toString());
    }
    if (authorization.error() != null) {
      proto.setError(toProto(authorization.error()));
    }
    DeviceGrant device = authorization.device();
    if (device != null) {
      proto.setDevice(
          Authorization.DeviceCode.newBuilder()
              .setUserCode(device.userCode())
              .setVerificationUri(device.verificationUri().toString())
              .setVerificationUriComplete(device.verificationUriComplete().toString())
              .setInterval(
                  com.google.protobuf.Duration.newBuilder()
                      .setSeconds(device.interval().getSeconds())
                      .setNanos(device.interval().getNano()))
              .setWorkspaceId(device.workspaceId()));
    }
    return proto.build();
  }

  /** A JWT app's token, for the app and session it was asked for. */
  static AccessToken toProto(GetServiceToken.ServiceAccessToken token) {
    return AccessToken.newBuilder()
        .setAccessToken(token.token().reveal())
        .setExpireTime(toTimestamp(token.expireTime()))
        .setAppSession(
            AppSession.newBuilder()
                .setApp(token.key().app().name())
                .setSessionName(token.key().sessionName()))
        .build();
  }

  /** The one message that carries a secret on purpose: the access token the caller asked for. */
  static AccessToken toProto(GetAccessToken.AccessToken token) {
    return AccessToken.newBuilder()
        .setAccessToken(token.token().reveal())
        .setExpireTime(toTimestamp(token.expireTime()))
        .setConnection(token.connection().name())
        .build();
  }

  static Timestamp toTimestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  static Instant toInstant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  /** A request's duration; {@code field} names it if it is not a valid protobuf Duration. */
  static java.time.Duration toDuration(Duration duration, String field) {
    if (!Durations.isValid(duration)) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT, field, "is not a valid duration");
    }
    return java.time.Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
  }

  /** A request's URI; {@code field} names it if it does not parse. */
  static URI toUri(String text, String field) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new GatewayException.InvalidArgument(
          Reason.INVALID_ARGUMENT, field, "is not a valid URI");
    }
  }

  private static Authorization.Error toProto(AuthorizationError error) {
    return Authorization.Error.newBuilder()
        .setReason(nullToEmpty(error.reason()))
        .setMessage(nullToEmpty(error.message()))
        .setCozeLogid(nullToEmpty(error.cozeLogId()))
        .build();
  }

  private static Connection.State toProto(ConnectionState state) {
    return switch (state) {
      case ACTIVE -> Connection.State.ACTIVE;
      case NEEDS_REAUTHORIZATION -> Connection.State.NEEDS_REAUTHORIZATION;
      case REVOKED -> Connection.State.REVOKED;
    };
  }

  private static Authorization.State toProto(AuthorizationState state) {
    return switch (state) {
      case PENDING -> Authorization.State.PENDING;
      case COMPLETED -> Authorization.State.COMPLETED;
      case DENIED -> Authorization.State.DENIED;
      case EXPIRED -> Authorization.State.EXPIRED;
      case FAILED -> Authorization.State.FAILED;
      case CANCELLED -> Authorization.State.CANCELLED;
    };
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
