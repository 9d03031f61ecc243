package dev.cozegateway.adapters.grpc;

import static dev.cozegateway.adapters.grpc.StatusDetails.assertError;
import static dev.cozegateway.adapters.grpc.StatusDetails.detail;
import static dev.cozegateway.adapters.grpc.StatusDetails.message;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.GatewayException.FieldViolation;
import dev.cozegateway.domain.Reason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {

  @Test
  void everyGatewayExceptionHasAStatusCode() {
    Set<Class<?>> mapped = Set.copyOf(GrpcErrors.CODES.keySet());
    assertThat(mapped).isEqualTo(Set.of(GatewayException.class.getPermittedSubclasses()));
  }

  @Test
  void invalidArgumentCarriesEveryFieldViolation() {
    StatusRuntimeException status =
        GrpcErrors.toStatusRuntimeException(
            new GatewayException.InvalidArgument(
                Reason.INVALID_RESOURCE_NAME,
                List.of(
                    new FieldViolation("parent", "is malformed"),
                    new FieldViolation("app", "is malformed"))));

    ErrorInfo info = assertError(status, Status.Code.INVALID_ARGUMENT, "INVALID_RESOURCE_NAME");
    assertThat(info.getMetadataMap()).isEmpty();
    BadRequest badRequest = detail(status, BadRequest.class).orElseThrow();
    assertThat(badRequest.getFieldViolationsList())
        .extracting(BadRequest.FieldViolation::getField, BadRequest.FieldViolation::getDescription)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("parent", "is malformed"),
            org.assertj.core.groups.Tuple.tuple("app", "is malformed"));
    assertThat(message(status)).isEqualTo("parent: is malformed; app: is malformed");
  }

  @Test
  void eachFailureMapsToItsCodeWithReasonAndMetadata() {
    Map<GatewayException, Status.Code> cases =
        Map.of(
            new GatewayException.NotFound(Reason.CONNECTION_NOT_FOUND, "gone"),
            Status.Code.NOT_FOUND,
            new GatewayException.FailedPrecondition(
                Reason.NEEDS_REAUTHORIZATION, "reauthorize", Map.of("connection", "c")),
            Status.Code.FAILED_PRECONDITION,
            new GatewayException.AlreadyExists(Reason.REQUEST_ID_CONFLICT, "reused"),
            Status.Code.ALREADY_EXISTS,
            new GatewayException.Unavailable(
                Reason.COZE_UNAVAILABLE, "down", Map.of("coze_logid", "l1"), null),
            Status.Code.UNAVAILABLE,
            new GatewayException.Unimplemented("later"),
            Status.Code.UNIMPLEMENTED);

    cases.forEach(
        (failure, code) -> {
          StatusRuntimeException status = GrpcErrors.toStatusRuntimeException(failure);

          ErrorInfo info = assertError(status, code, failure.reason().name());
          assertThat(info.getMetadataMap()).isEqualTo(failure.metadata());
          assertThat(message(status)).isEqualTo(failure.getMessage());
          assertThat(detail(status, BadRequest.class)).isEmpty();
        });
  }

  @Test
  void internalFailureShowsOnlyItsReasonAndIsLogged() {
    try (LogCapture log = LogCapture.of(GrpcErrors.class)) {
      StatusRuntimeException status =
          GrpcErrors.toStatusRuntimeException(
              new GatewayException.Internal(
                  Reason.DATA_CORRUPT, "key k7 failed on record r9", new RuntimeException("tag")));

      assertError(status, Status.Code.INTERNAL, "DATA_CORRUPT");
      assertThat(message(status)).isEqualTo("internal error");
      assertThat(status).hasNoCause();
      assertThat(log.events())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                assertThat(e.getThrowableProxy().getMessage()).contains("key k7");
              });
    }
  }

  @Test
  void anyOtherFailureIsAGenericInternalError() {
    try (LogCapture log = LogCapture.of(GrpcErrors.class)) {
      StatusRuntimeException status =
          GrpcErrors.toStatusRuntimeException(new NullPointerException("password=hunter2"));

      ErrorInfo info = assertError(status, Status.Code.INTERNAL, "INTERNAL");
      assertThat(info.getMetadataMap()).isEmpty();
      assertThat(message(status)).isEqualTo("internal error");
      assertThat(status.toString()).doesNotContain("hunter2");
      assertThat(status).hasNoCause();
      assertThat(log.events())
          .singleElement()
          .satisfies(e -> assertThat(e.getThrowableProxy()).isNotNull());
    }
  }
}
