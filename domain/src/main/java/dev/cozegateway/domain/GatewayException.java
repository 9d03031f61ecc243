package dev.cozegateway.domain;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The small, closed set of failures the gateway reports. Each carries a stable {@link Reason} and
 * optional metadata; the gRPC edge maps the subclass to a status code in exactly one place.
 *
 * <p>Messages and metadata are shown to clients: they must never contain a token or secret.
 */
public abstract sealed class GatewayException extends RuntimeException {
  /** Metadata key: Coze's log id ({@code X-Tt-Logid}) of the failing call, for Coze support. */
  public static final String COZE_LOGID = "coze_logid";

  /** Metadata key: Coze's error code (OAuth {@code error_code} or business {@code code}). */
  public static final String COZE_ERROR_CODE = "coze_error_code";

  private final Reason reason;
  private final Map<String, String> metadata;

  private GatewayException(
      Reason reason, String message, Map<String, String> metadata, Throwable cause) {
    super(message, cause, false, cause != null);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.metadata = Map.copyOf(metadata);
  }

  public Reason reason() {
    return reason;
  }

  /** Extra facts for the client, e.g. the Coze log id. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** One bad field of a request. */
  public record FieldViolation(String field, String description) {}

  /** The request is malformed; nothing was changed. */
  public static final class InvalidArgument extends GatewayException {
    private final List<FieldViolation> violations;

    public InvalidArgument(Reason reason, String field, String description) {
      this(reason, List.of(new FieldViolation(field, description)));
    }

    public InvalidArgument(Reason reason, List<FieldViolation> violations) {
      this(reason, violations, Map.of());
    }

    public InvalidArgument(
        Reason reason, List<FieldViolation> violations, Map<String, String> metadata) {
      super(reason, describe(violations), metadata, null);
      this.violations = List.copyOf(violations);
    }

    public List<FieldViolation> violations() {
      return violations;
    }

    private static String describe(List<FieldViolation> violations) {
      StringBuilder text = new StringBuilder();
      for (FieldViolation v : violations) {
        if (!text.isEmpty()) {
          text.append("; ");
        }
        text.append(v.field()).append(": ").append(v.description());
      }
      return text.toString();
    }
  }

  /** The named resource does not exist. */
  public static final class NotFound extends GatewayException {
    public NotFound(Reason reason, String message) {
      this(reason, message, Map.of());
    }

    public NotFound(Reason reason, String message, Map<String, String> metadata) {
      super(reason, message, metadata, null);
    }
  }

  /** The system is not in a state that allows the operation; retrying will not help. */
  public static final class FailedPrecondition extends GatewayException {
    public FailedPrecondition(Reason reason, String message, Map<String, String> metadata) {
      super(reason, message, metadata, null);
    }
  }

  /** The caller's credentials (e.g. a connection's token at Coze) lack permission for this. */
  public static final class PermissionDenied extends GatewayException {
    public PermissionDenied(Reason reason, String message, Map<String, String> metadata) {
      super(reason, message, metadata, null);
    }
  }

  /** The resource already exists, or a request id was reused with other arguments. */
  public static final class AlreadyExists extends GatewayException {
    public AlreadyExists(Reason reason, String message) {
      super(reason, message, Map.of(), null);
    }
  }

  /** A dependency (Coze, the store) is unavailable; the only failure worth a blind retry. */
  public static final class Unavailable extends GatewayException {
    public Unavailable(
        Reason reason, String message, Map<String, String> metadata, Throwable cause) {
      super(reason, message, metadata, cause);
    }
  }

  /** The operation is not available in this version. */
  public static final class Unimplemented extends GatewayException {
    public Unimplemented(String message) {
      super(Reason.NOT_IMPLEMENTED, message, Map.of(), null);
    }
  }

  /** A bug or corrupted data. The client gets no detail beyond the reason. */
  public static final class Internal extends GatewayException {
    public Internal(Reason reason, String message, Throwable cause) {
      super(reason, message, Map.of(), cause);
    }
  }
}
