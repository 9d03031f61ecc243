package dev.cozegateway.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.application.AuthorizationDetails;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.Secret;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProtoMappingTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456789Z");
  private static final ConnectionName CONNECTION =
      ConnectionName.parse("tenants/acme/connections/main", "name");
  private static final AuthorizationName AUTHORIZATION =
      AuthorizationName.parse("tenants/acme/authorizations/a1", "name");

  @Test
  void timestampsKeepNanoseconds() {
    Timestamp timestamp = ProtoMapping.toTimestamp(T0);

    assertThat(timestamp.getSeconds()).isEqualTo(T0.getEpochSecond());
    assertThat(timestamp.getNanos()).isEqualTo(123456789);
    assertThat(ProtoMapping.toInstant(timestamp)).isEqualTo(T0);
  }

  @Test
  void connectionMapsItsMetadataAndNeverItsTokens() {
    dev.cozegateway.domain.Connection connection =
        connection(ConnectionState.NEEDS_REAUTHORIZATION, T0.plusSeconds(60));

    Connection proto = ProtoMapping.toProto(connection);

    assertThat(proto.getName()).isEqualTo("tenants/acme/connections/main");
    assertThat(proto.getApp()).isEqualTo("apps/web");
    assertThat(proto.getSubject()).isEqualTo("user-1");
    assertThat(proto.getState()).isEqualTo(Connection.State.NEEDS_REAUTHORIZATION);
    assertThat(ProtoMapping.toInstant(proto.getCreateTime())).isEqualTo(T0);
    assertThat(ProtoMapping.toInstant(proto.getUpdateTime())).isEqualTo(T0.plusSeconds(30));
    assertThat(ProtoMapping.toInstant(proto.getAccessTokenExpireTime()))
        .isEqualTo(T0.plusSeconds(900));
    assertThat(ProtoMapping.toInstant(proto.getLastRefreshTime())).isEqualTo(T0.plusSeconds(60));
    assertThat(proto.toByteString().toStringUtf8()).doesNotContain("sealed-token-bytes");
  }

  @Test
  void connectionNeverRefreshedHasNoLastRefreshTime() {
    assertThat(ProtoMapping.toProto(connection(ConnectionState.ACTIVE, null)).hasLastRefreshTime())
        .isFalse();
  }

  @Test
  void pendingAuthorizationCarriesItsAuthorizeUri() {
    AuthorizationDetails details =
        new AuthorizationDetails(
            authorization(AuthorizationState.PENDING, URI.create("https://app.example/ok"), null),
            URI.create("https://www.coze.com/api/permission/oauth2/authorize?state=s"));

    Authorization proto = ProtoMapping.toProto(details);

    assertThat(proto.getName()).isEqualTo("tenants/acme/authorizations/a1");
    assertThat(proto.getApp()).isEqualTo("apps/web");
    assertThat(proto.getConnection()).isEqualTo("tenants/acme/connections/main");
    assertThat(proto.getSubject()).isEqualTo("user-1");
    assertThat(proto.getState()).isEqualTo(Authorization.State.PENDING);
    assertThat(proto.getAuthorizeUri())
        .isEqualTo("https://www.coze.com/api/permission/oauth2/authorize?state=s");
    assertThat(proto.getReturnUri()).isEqualTo("https://app.example/ok");
    assertThat(ProtoMapping.toInstant(proto.getCreateTime())).isEqualTo(T0);
    assertThat(ProtoMapping.toInstant(proto.getExpireTime())).isEqualTo(T0.plusSeconds(600));
    assertThat(proto.hasError()).isFalse();
  }

  @Test
  void deniedAuthorizationCarriesItsErrorAndNoUri() {
    AuthorizationDetails details =
        new AuthorizationDetails(
            authorization(
                AuthorizationState.DENIED,
                null,
                new AuthorizationError("access_denied", "the user said no", "log-1")),
            null);

    Authorization proto = ProtoMapping.toProto(details);

    assertThat(proto.getState()).isEqualTo(Authorization.State.DENIED);
    assertThat(proto.getAuthorizeUri()).isEmpty();
    assertThat(proto.getReturnUri()).isEmpty();
    assertThat(proto.getError())
        .isEqualTo(
            Authorization.Error.newBuilder()
                .setReason("access_denied")
                .setMessage("the user said no")
                .setCozeLogid("log-1")
                .build());
  }

  @Test
  void accessTokenRevealsTheTokenItWasAskedFor() {
    AccessToken proto =
        ProtoMapping.toProto(
            new GetAccessToken.AccessToken(CONNECTION, Secret.of("czu_abc"), T0.plusSeconds(900)));

    assertThat(proto.getAccessToken()).isEqualTo("czu_abc");
    assertThat(proto.getConnection()).isEqualTo("tenants/acme/connections/main");
    assertThat(ProtoMapping.toInstant(proto.getExpireTime())).isEqualTo(T0.plusSeconds(900));
  }

  @Test
  void durationsAreCheckedAndConverted() {
    assertThat(
            ProtoMapping.toDuration(
                Duration.newBuilder().setSeconds(90).setNanos(5).build(), "min_remaining_lifetime"))
        .isEqualTo(java.time.Duration.ofSeconds(90, 5));

    GatewayException.InvalidArgument invalid =
        catchThrowableOfType(
            GatewayException.InvalidArgument.class,
            () ->
                ProtoMapping.toDuration(
                    Duration.newBuilder().setSeconds(1).setNanos(-1).build(), "ttl"));
    assertThat(invalid.violations())
        .extracting(GatewayException.FieldViolation::field)
        .containsExactly("ttl");
  }

  @Test
  void urisAreCheckedAndConverted() {
    assertThat(ProtoMapping.toUri("https://app.example/x?y=1", "return_uri"))
        .isEqualTo(URI.create("https://app.example/x?y=1"));

    GatewayException.InvalidArgument invalid =
        catchThrowableOfType(
            GatewayException.InvalidArgument.class,
            () -> ProtoMapping.toUri("https://app.example/a b", "return_uri"));
    assertThat(invalid.violations())
        .extracting(GatewayException.FieldViolation::field)
        .containsExactly("return_uri");
  }

  private static dev.cozegateway.domain.Connection connection(
      ConnectionState state, Instant lastRefresh) {
    return new dev.cozegateway.domain.Connection(
        CONNECTION,
        AppId.parse("apps/web", "app"),
        "user-1",
        state,
        T0,
        T0.plusSeconds(30),
        T0.plusSeconds(900),
        lastRefresh,
        SealedSecret.of("sealed-token-bytes".getBytes(StandardCharsets.UTF_8)),
        3);
  }

  private static dev.cozegateway.domain.Authorization authorization(
      AuthorizationState state, URI returnUri, AuthorizationError error) {
    return new dev.cozegateway.domain.Authorization(
        AUTHORIZATION,
        AppId.parse("apps/web", "app"),
        CONNECTION,
        "user-1",
        state,
        T0,
        T0.plusSeconds(600),
        returnUri,
        error,
        new byte[32],
        SealedSecret.of(new byte[] {1, 2, 3}),
        "");
  }
}
