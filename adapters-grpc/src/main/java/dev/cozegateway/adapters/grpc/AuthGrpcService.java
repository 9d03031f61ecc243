package dev.cozegateway.adapters.grpc;

import com.google.protobuf.Empty;
import dev.cozegateway.api.v1.AccessToken;
import dev.cozegateway.api.v1.AuthServiceGrpc;
import dev.cozegateway.api.v1.Authorization;
import dev.cozegateway.api.v1.CancelAuthorizationRequest;
import dev.cozegateway.api.v1.CompleteAuthorizationRequest;
import dev.cozegateway.api.v1.Connection;
import dev.cozegateway.api.v1.DeleteConnectionRequest;
import dev.cozegateway.api.v1.GetAccessTokenRequest;
import dev.cozegateway.api.v1.GetAuthorizationRequest;
import dev.cozegateway.api.v1.GetConnectionRequest;
import dev.cozegateway.api.v1.ListConnectionsRequest;
import dev.cozegateway.api.v1.ListConnectionsResponse;
import dev.cozegateway.api.v1.StartAuthorizationRequest;
import dev.cozegateway.api.v1.StartDeviceAuthorizationRequest;
import dev.cozegateway.api.v1.WatchAuthorizationRequest;
import dev.cozegateway.application.AuthUseCases;
import dev.cozegateway.application.AuthorizationDetails;
import dev.cozegateway.application.CompleteAuthorization;
import dev.cozegateway.application.DeviceUseCases;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.application.GetServiceToken;
import dev.cozegateway.application.ListConnections;
import dev.cozegateway.application.ServiceTokenUseCases;
import dev.cozegateway.application.StartAuthorization;
import dev.cozegateway.application.StartDeviceAuthorization;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.TenantId;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code coze.gateway.v1.AuthService}: each RPC maps its request to a command, calls one use
 * case and maps the result back. Failures reach the client through {@link GrpcErrors}.
 */
final class AuthGrpcService extends AuthServiceGrpc.AuthServiceImplBase {
  // Stands in for a malformed parent, so that connection_id is still checked and one answer names
  // both fields. Never reaches a use case.
  private static final TenantId UNPARSED_TENANT = new TenantId("unparsed");

  private final AuthUseCases useCases;
  private final DeviceUseCases device;
  private volatile boolean endingWatches;
  private final ServiceTokenUseCases serviceTokens;

  @Inject
  AuthGrpcService(
      AuthUseCases useCases, DeviceUseCases device, ServiceTokenUseCases serviceTokens) {
    this.useCases = useCases;
    this.device = device;
    this.serviceTokens = serviceTokens;
  }

  @Override
  public void startAuthorization(
      StartAuthorizationRequest request, StreamObserver<Authorization> observer) {
    GrpcCalls.unary(
        observer,
        () -> ProtoMapping.toProto(useCases.startAuthorization().execute(toCommand(request))));
  }

  @Override
  public void completeAuthorization(
      CompleteAuthorizationRequest request, StreamObserver<Connection> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            ProtoMapping.toProto(
                useCases.completeAuthorization().execute(toCommand(request)).requireConnection()));
  }

  @Override
  public void getAuthorization(
      GetAuthorizationRequest request, StreamObserver<Authorization> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            ProtoMapping.toProto(
                useCases
                    .getAuthorization()
                    .execute(AuthorizationName.parse(request.getName(), "name"))));
  }

  @Override
  public void startDeviceAuthorization(
      StartDeviceAuthorizationRequest request, StreamObserver<Authorization> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            ProtoMapping.toProto(
                new AuthorizationDetails(
                    device.startDeviceAuthorization().execute(toCommand(request)), null)));
  }

  @Override
  public void watchAuthorization(
      WatchAuthorizationRequest request, StreamObserver<Authorization> observer) {
    Context context = Context.current();
    AtomicReference<Authorization> sent = new AtomicReference<>();
    try {
      AuthorizationName name = AuthorizationName.parse(request.getName(), "name");
      device
          .watchAuthorization()
          .execute(
              name,
              details -> {
                if (!context.isCancelled()) {
                  sent.set(ProtoMapping.toProto(details));
                  observer.onNext(sent.get());
                }
              },
              () -> context.isCancelled() || endingWatches);
    } catch (RuntimeException e) {
      if (!context.isCancelled()) {
        GrpcCalls.fail(observer, e);
      }
      return;
    }
    if (context.isCancelled()) {
      return;
    }
    if (sent.get() == null || sent.get().getState() == Authorization.State.PENDING) {
      // Stopped before a terminal state: the server is shutting down.
      observer.onError(
          GrpcErrors.shuttingDown("the gateway is shutting down; watch the authorization again"));
      return;
    }
    observer.onCompleted();
  }

  /**
   * Ends every open {@code WatchAuthorization} stream within one read of the store, with
   * UNAVAILABLE, and refuses new ones: called when the server begins to shut down. A watch waits on
   * nothing in flight, so it should not hold the drain; its client watches again, on another
   * replica or once this one is back.
   */
  void endWatches() {
    endingWatches = true;
  }

  @Override
  public void cancelAuthorization(
      CancelAuthorizationRequest request, StreamObserver<Authorization> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            ProtoMapping.toProto(
                new AuthorizationDetails(
                    device
                        .cancelAuthorization()
                        .execute(AuthorizationName.parse(request.getName(), "name")),
                    null)));
  }

  @Override
  public void getAccessToken(GetAccessTokenRequest request, StreamObserver<AccessToken> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            request.getPrincipalCase() == GetAccessTokenRequest.PrincipalCase.APP_SESSION
                ? ProtoMapping.toProto(
                    serviceTokens.getServiceToken().execute(toServiceCommand(request)))
                : ProtoMapping.toProto(useCases.getAccessToken().execute(toCommand(request))));
  }

  @Override
  public void getConnection(GetConnectionRequest request, StreamObserver<Connection> observer) {
    GrpcCalls.unary(
        observer,
        () ->
            ProtoMapping.toProto(
                useCases.getConnection().execute(ConnectionName.parse(request.getName(), "name"))));
  }

  @Override
  public void listConnections(
      ListConnectionsRequest request, StreamObserver<ListConnectionsResponse> observer) {
    GrpcCalls.unary(
        observer, () -> toResponse(useCases.listConnections().execute(toCommand(request))));
  }

  @Override
  public void deleteConnection(DeleteConnectionRequest request, StreamObserver<Empty> observer) {
    GrpcCalls.unary(
        observer,
        () -> {
          useCases.deleteConnection().execute(ConnectionName.parse(request.getName(), "name"));
          return Empty.getDefaultInstance();
        });
  }

  /** What every way of starting an authorization names, parsed into {@code fields}. */
  private record Start(TenantId tenant, AppId app, ConnectionName connection, String subject) {
    static Start parse(
        RequestFields fields, String parent, String app, String connectionId, String subject) {
      TenantId tenant = fields.parse(() -> TenantId.parse(parent, "parent"));
      return new Start(
          tenant,
          fields.parse(() -> AppId.parse(app, "app")),
          fields.parse(
              () -> new ConnectionName(tenant != null ? tenant : UNPARSED_TENANT, connectionId)),
          fields.require("subject", subject));
    }
  }

  private static StartAuthorization.Command toCommand(StartAuthorizationRequest request) {
    RequestFields fields = new RequestFields();
    Start start =
        Start.parse(
            fields,
            request.getParent(),
            request.getApp(),
            request.getConnectionId(),
            request.getSubject());
    URI returnUri =
        request.getReturnUri().isEmpty()
            ? null
            : fields.parse(() -> ProtoMapping.toUri(request.getReturnUri(), "return_uri"));
    fields.throwIfInvalid();
    return new StartAuthorization.Command(
        start.tenant(),
        start.app(),
        start.connection(),
        start.subject(),
        returnUri,
        request.getWorkspaceId(),
        request.getRequestId());
  }

  private static StartDeviceAuthorization.Command toCommand(
      StartDeviceAuthorizationRequest request) {
    RequestFields fields = new RequestFields();
    Start start =
        Start.parse(
            fields,
            request.getParent(),
            request.getApp(),
            request.getConnectionId(),
            request.getSubject());
    fields.throwIfInvalid();
    return new StartDeviceAuthorization.Command(
        start.tenant(),
        start.app(),
        start.connection(),
        start.subject(),
        request.getWorkspaceId(),
        request.getRequestId());
  }

  private static CompleteAuthorization.Command toCommand(CompleteAuthorizationRequest request) {
    RequestFields fields = new RequestFields();
    String state = fields.require("state", request.getState());
    if (request.getCode().isEmpty() && request.getError().isEmpty()) {
      fields.violate("code", "is required (or error, when the authorization was declined)");
    }
    fields.throwIfInvalid();
    return new CompleteAuthorization.Command(
        state, request.getCode(), request.getError(), request.getErrorDescription());
  }

  private static GetAccessToken.Command toCommand(GetAccessTokenRequest request) {
    RequestFields fields = new RequestFields();
    ConnectionName connection =
        switch (request.getPrincipalCase()) {
          case CONNECTION ->
              fields.parse(() -> ConnectionName.parse(request.getConnection(), "connection"));
          case PRINCIPAL_NOT_SET -> {
            fields.violate(
                "connection",
                "is required: name the connection the token is for (or an app_session)");
            yield null;
          }
          case APP_SESSION -> throw new IllegalStateException("handled by toServiceCommand");
        };
    // Unset means "the use case's default", which the command applies to null.
    Duration minRemaining =
        request.hasMinRemainingLifetime()
            ? fields.parse(
                () ->
                    ProtoMapping.toDuration(
                        request.getMinRemainingLifetime(), "min_remaining_lifetime"))
            : null;
    fields.throwIfInvalid();
    return new GetAccessToken.Command(connection, minRemaining);
  }

  private static GetServiceToken.Command toServiceCommand(GetAccessTokenRequest request) {
    RequestFields fields = new RequestFields();
    AppId app =
        fields.parse(() -> AppId.parse(request.getAppSession().getApp(), "app_session.app"));
    String session = request.getAppSession().getSessionName();
    if (session.length() > ServiceTokenKey.MAX_SESSION_NAME) {
      fields.violate(
          "app_session.session_name",
          "must be at most " + ServiceTokenKey.MAX_SESSION_NAME + " characters");
    }
    Duration minRemaining =
        request.hasMinRemainingLifetime()
            ? fields.parse(
                () ->
                    ProtoMapping.toDuration(
                        request.getMinRemainingLifetime(), "min_remaining_lifetime"))
            : null;
    fields.throwIfInvalid();
    return new GetServiceToken.Command(app, session, minRemaining);
  }

  private static ListConnections.Command toCommand(ListConnectionsRequest request) {
    return new ListConnections.Command(
        TenantId.parse(request.getParent(), "parent"),
        request.getPageSize(),
        request.getPageToken());
  }

  private static ListConnectionsResponse toResponse(ListConnections.Page page) {
    ListConnectionsResponse.Builder response =
        ListConnectionsResponse.newBuilder().setNextPageToken(page.nextPageToken());
    page.connections().forEach(c -> response.addConnections(ProtoMapping.toProto(c)));
    return response.build();
  }
}
