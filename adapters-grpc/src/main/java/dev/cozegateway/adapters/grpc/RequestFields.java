package dev.cozegateway.adapters.grpc;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.GatewayException.FieldViolation;
import dev.cozegateway.domain.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects the field violations of one request, so that a client learns every bad field in one
 * answer instead of one per retry. Not thread-safe; one per call.
 */
final class RequestFields {
  private final List<FieldViolation> violations = new ArrayList<>();
  private final List<Reason> reasons = new ArrayList<>();

  /** The parsed value, or {@code null} after recording the parser's violations. */
  <T> T parse(Supplier<T> parser) {
    try {
      return parser.get();
    } catch (GatewayException.InvalidArgument e) {
      violations.addAll(e.violations());
      reasons.add(e.reason());
      return null;
    }
  }

  /** Records a violation when a required string field is empty; returns the value. */
  String require(String field, String value) {
    if (value.isEmpty()) {
      violate(field, "is required");
    }
    return value;
  }

  /** Records a violation found by the caller. */
  void violate(String field, String description) {
    violations.add(new FieldViolation(field, description));
    reasons.add(Reason.INVALID_ARGUMENT);
  }

  /**
   * Throws one {@link GatewayException.InvalidArgument} naming every recorded field. Its reason is
   * the violations' common reason, or {@link Reason#INVALID_ARGUMENT} when they differ.
   */
  void throwIfInvalid() {
    if (violations.isEmpty()) {
      return;
    }
    Reason reason =
        reasons.stream().distinct().count() == 1 ? reasons.get(0) : Reason.INVALID_ARGUMENT;
    throw new GatewayException.InvalidArgument(reason, violations);
  }
}
