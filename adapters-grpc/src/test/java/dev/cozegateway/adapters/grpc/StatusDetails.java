package dev.cozegateway.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Optional;

/** Reads the rich status a client received. */
final class StatusDetails {
  private StatusDetails() {}

  /** Asserts the code and the ErrorInfo reason and domain; returns the ErrorInfo. */
  static ErrorInfo assertError(Throwable thrown, Status.Code code, String reason) {
    assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
    assertThat(Status.fromThrowable(thrown).getCode()).isEqualTo(code);
    ErrorInfo info =
        detail(thrown, ErrorInfo.class)
            .orElseThrow(() -> new AssertionError("no ErrorInfo in " + thrown));
    assertThat(info.getReason()).isEqualTo(reason);
    assertThat(info.getDomain()).isEqualTo("cozegateway.dev");
    return info;
  }

  /** The fields the BadRequest names, in order. */
  static List<String> violatedFields(Throwable thrown) {
    return detail(thrown, BadRequest.class)
        .orElseThrow(() -> new AssertionError("no BadRequest in " + thrown))
        .getFieldViolationsList()
        .stream()
        .map(BadRequest.FieldViolation::getField)
        .toList();
  }

  static String message(Throwable thrown) {
    return Status.fromThrowable(thrown).getDescription();
  }

  static <T extends com.google.protobuf.Message> Optional<T> detail(
      Throwable thrown, Class<T> type) {
    com.google.rpc.Status status = StatusProto.fromThrowable(thrown);
    if (status == null) {
      return Optional.empty();
    }
    for (Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          return Optional.of(any.unpack(type));
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    return Optional.empty();
  }
}
