package dev.cozegateway.adapters.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.cozegateway.domain.GatewayException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into what a gRPC client sees: a rich {@code google.rpc.Status}
 * whose details always carry a {@link ErrorInfo} (and a {@link BadRequest} for invalid arguments).
 *
 * <p>A {@link GatewayException}'s message and metadata are written for clients (the domain promises
 * they hold no secret). Anything else is a bug: the client gets a generic INTERNAL status and the
 * stack trace goes to the server log only.
 */
final class GrpcErrors {
  /** {@code ErrorInfo.domain}: the service that produced the error (AIP-193). */
  static final String DOMAIN = "cozegateway.dev";

  /** {@code ErrorInfo.reason} for failures that are not a {@link GatewayException}. */
  static final String INTERNAL_REASON = "INTERNAL";

  /** {@code ErrorInfo.reason} for a call the server ends because it is shutting down. */
  static final String SHUTTING_DOWN_REASON = "SHUTTING_DOWN";

  private static final String INTERNAL_MESSAGE = "internal error";

  /** Status code per failure; the test checks it covers every permitted subclass. */
  static final Map<Class<? extends GatewayException>, Status.Code> CODES =
      Map.of(
          GatewayException.InvalidArgument.class, Status.Code.INVALID_ARGUMENT,
          GatewayException.NotFound.class, Status.Code.NOT_FOUND,
          GatewayException.FailedPrecondition.class, Status.Code.FAILED_PRECONDITION,
          GatewayException.PermissionDenied.class, Status.Code.PERMISSION_DENIED,
          GatewayException.AlreadyExists.class, Status.Code.ALREADY_EXISTS,
          GatewayException.Unavailable.class, Status.Code.UNAVAILABLE,
          GatewayException.Unimplemented.class, Status.Code.UNIMPLEMENTED,
          GatewayException.Internal.class, Status.Code.INTERNAL);

  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** The status a client gets for {@code failure}. Never throws. */
  static StatusRuntimeException toStatusRuntimeException(Throwable failure) {
    if (failure instanceof GatewayException gateway) {
      Status.Code code = CODES.get(gateway.getClass());
      if (code != null) {
        return fromGateway(gateway, code);
      }
    }
    log.error("unexpected failure in a gRPC call", failure);
    return toException(
        Status.Code.INTERNAL, INTERNAL_MESSAGE, errorInfo(INTERNAL_REASON, Map.of()), null);
  }

  /**
   * The status of a call the server ends because it is shutting down: UNAVAILABLE, so the client
   * retries (on another replica, or once this one is back).
   */
  static StatusRuntimeException shuttingDown(String message) {
    return toException(
        Status.Code.UNAVAILABLE, message, errorInfo(SHUTTING_DOWN_REASON, Map.of()), null);
  }

  private static StatusRuntimeException fromGateway(GatewayException failure, Status.Code code) {
    ErrorInfo info = errorInfo(failure.reason().name(), failure.metadata());
    if (failure instanceof GatewayException.Internal) {
      // A bug or corrupted data: the client learns the reason, the log gets the rest.
      log.error("internal failure ({})", failure.reason(), failure);
      return toException(code, INTERNAL_MESSAGE, info, null);
    }
    if (failure instanceof GatewayException.Unavailable) {
      log.warn("dependency unavailable ({}): {}", failure.reason(), failure.getMessage());
    }
    BadRequest badRequest = null;
    if (failure instanceof GatewayException.InvalidArgument invalid) {
      BadRequest.Builder builder = BadRequest.newBuilder();
      for (GatewayException.FieldViolation violation : invalid.violations()) {
        builder
            .addFieldViolationsBuilder()
            .setField(violation.field())
            .setDescription(violation.description());
      }
      badRequest = builder.build();
    }
    return toException(code, failure.getMessage(), info, badRequest);
  }

  private static ErrorInfo errorInfo(String reason, Map<String, String> metadata) {
    return ErrorInfo.newBuilder()
        .setReason(reason)
        .setDomain(DOMAIN)
        .putAllMetadata(metadata)
        .build();
  }

  private static StatusRuntimeException toException(
      Status.Code code, String message, ErrorInfo info, BadRequest badRequest) {
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.value())
            .setMessage(message == null ? "" : message)
            .addDetails(Any.pack(info));
    if (badRequest != null) {
      status.addDetails(Any.pack(badRequest));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }
}
