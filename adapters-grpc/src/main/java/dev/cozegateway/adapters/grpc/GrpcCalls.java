package dev.cozegateway.adapters.grpc;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/**
 * Runs an RPC body and answers the call, so that every failure takes the {@link GrpcErrors} path
 * and each RPC stays one line of mapping.
 */
final class GrpcCalls {
  private GrpcCalls() {}

  /** Answers a unary call with what {@code body} returns, or with the status of what it throws. */
  static <T> void unary(StreamObserver<T> observer, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (RuntimeException e) {
      observer.onError(GrpcErrors.toStatusRuntimeException(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  /** Answers a call (unary or streaming) with the status of {@code failure}. */
  static void fail(StreamObserver<?> observer, RuntimeException failure) {
    observer.onError(GrpcErrors.toStatusRuntimeException(failure));
  }
}
