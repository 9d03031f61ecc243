package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/** What the end-to-end tests share: reading a gRPC failure's details, waiting, the secrets scan. */
final class EndToEnd {
  /** A user access token, wherever it appears. */
  static final Pattern ACCESS_TOKEN = Pattern.compile("czu_[A-Za-z0-9]{20,}");

  private EndToEnd() {}

  /** The gRPC failure {@code call} ends with; fails the test if it succeeds. */
  static StatusRuntimeException catchStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a gRPC error");
  }

  static ErrorInfo errorInfo(StatusRuntimeException e) {
    return StatusProto.fromThrowable(e).getDetailsList().stream()
        .filter(d -> d.is(ErrorInfo.class))
        .map(d -> unpack(d, ErrorInfo.class))
        .findFirst()
        .orElseThrow();
  }

  /** The fields a BadRequest detail names, in order. */
  static List<String> badRequestFields(StatusRuntimeException e) {
    return StatusProto.fromThrowable(e).getDetailsList().stream()
        .filter(d -> d.is(BadRequest.class))
        .flatMap(d -> unpack(d, BadRequest.class).getFieldViolationsList().stream())
        .map(BadRequest.FieldViolation::getField)
        .toList();
  }

  private static <T extends com.google.protobuf.Message> T unpack(
      com.google.protobuf.Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** How long {@link #awaitTrue} waits. */
  static final Duration WAIT = Duration.ofSeconds(10);

  /** Polls {@code condition} every 20 ms, failing the test after {@link #WAIT}. */
  static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /**
   * No log event (its message, or its exception's) and no span (its name, attributes and events)
   * holds any of {@code secrets} or any user access token.
   */
  static void assertNoSecrets(
      List<ILoggingEvent> logs, List<SpanData> spans, Collection<String> secrets) {
    assertThat(logs).isNotEmpty();
    for (ILoggingEvent event : logs) {
      String line =
          event.getFormattedMessage()
              + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
      assertNoSecret(line, secrets, "log line");
    }
    for (SpanData span : spans) {
      assertNoSecret(span.getName() + span.getAttributes() + span.getEvents(), secrets, "span");
    }
  }

  private static void assertNoSecret(String text, Collection<String> secrets, String where) {
    assertThat(ACCESS_TOKEN.matcher(text).find()).as("%s %s", where, text).isFalse();
    for (String secret : secrets) {
      assertThat(text).doesNotContain(secret);
    }
  }
}
