package dev.cozegateway.storerecords;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Authorization;
import dev.cozegateway.domain.AuthorizationError;
import dev.cozegateway.domain.AuthorizationName;
import dev.cozegateway.domain.AuthorizationState;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.DeviceGrant;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.RefreshIntent;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.ServiceToken;
import dev.cozegateway.domain.ServiceTokenKey;
import dev.cozegateway.domain.WorkflowInterrupt;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.WorkflowUsage;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * The stored form of connections, authorizations, workflow runs and service tokens: JSON of flat
 * records made of strings, numbers and bytes, so that the file format does not change when a domain
 * type does, and a record can be read with any JSON tool (and {@code redis-cli}). Sealed bytes are
 * stored as they are; nothing here decrypts. Each record carries a layout version, {@code v}, for
 * future migrations.
 *
 * <p>Both stores use this one layout, so that a migration between them can copy records as they
 * are. It is a library of the store adapters, not an adapter itself.
 */
public final class StoredRecords {
  /** How many characters {@link #sortableTime} returns. */
  public static final int SORTABLE_TIME_LENGTH = 27;

  private static final int V1 = 1;
  // Larger than the magnitude of Instant.MIN's epoch second (about 3.2 * 10^16).
  private static final long EPOCH_SECOND_BIAS = 100_000_000_000_000_000L;

  // Unknown fields are ignored, so that a rolled-back gateway can read what a newer one wrote.
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private StoredRecords() {}

  record ConnectionRecord(
      int v,
      String name,
      String app,
      String subject,
      String state,
      String createTime,
      String updateTime,
      String accessTokenExpireTime,
      String lastRefreshTime,
      byte[] tokens,
      long version,
      IntentRecord refreshIntent) {}

  /** Absent in records written before refresh intents existed, which is the same as none. */
  record IntentRecord(String owner, String startTime) {}

  record AuthorizationRecord(
      int v,
      String name,
      String app,
      String connection,
      String subject,
      String state,
      String createTime,
      String expireTime,
      String returnUri,
      ErrorRecord error,
      byte[] stateHash,
      byte[] secrets,
      String requestId,
      DeviceRecord device,
      long version) {}

  /**
   * A device authorization's grant; absent (null) for a browser authorization, and in records
   * written before device authorizations existed, which also lack {@code version} and so read as
   * version 0. Instants are ISO-8601 strings, as everywhere in these records; the interval is an
   * ISO-8601 duration ({@link Duration#toString}, e.g. {@code "PT5S"}), exact to the nanosecond and
   * readable in {@code redis-cli}.
   */
  record DeviceRecord(
      String userCode,
      String verificationUri,
      String verificationUriComplete,
      String interval,
      String nextPollTime,
      String workspaceId,
      int polls) {}

  record ErrorRecord(String reason, String message, String cozeLogId) {}

  record WorkflowRunRecord(
      int v,
      String name,
      String connection,
      String workflowId,
      String botId,
      String appId,
      String mode,
      String state,
      String requestId,
      String requestDigest,
      String executeId,
      String output,
      String debugUrl,
      UsageRecord usage,
      InterruptRecord interrupt,
      RunErrorRecord error,
      int resumeCount,
      String logId,
      String createTime,
      String updateTime,
      String checkTime,
      int pollCount,
      long version,
      AppSessionRecord appSession) {}

  /** A run as a JWT app's session; absent for a connection's run (and in older records). */
  record AppSessionRecord(String app, String sessionName) {}

  record UsageRecord(long inputCount, long outputCount, long tokenCount) {}

  record InterruptRecord(String eventId, int type, String data, String nodeTitle) {}

  record RunErrorRecord(String reason, String message, String cozeCode, String cozeLogId) {}

  /**
   * A JWT service app's cached token, with the three parts of its key (stores key it by {@link
   * ServiceTokenKey#id()}; the record says what that id stands for).
   */
  record ServiceTokenRecord(
      int v,
      String app,
      String sessionName,
      String scope,
      byte[] token,
      String expireTime,
      String createTime) {}

  public static byte[] encode(Connection c) {
    return write(
        new ConnectionRecord(
            V1,
            c.name().name(),
            c.app().id(),
            c.subject(),
            c.state().name(),
            c.createTime().toString(),
            c.updateTime().toString(),
            c.accessTokenExpireTime().toString(),
            c.lastRefreshTime() == null ? null : c.lastRefreshTime().toString(),
            c.tokens().bytes(),
            c.version(),
            c.refreshIntent() == null
                ? null
                : new IntentRecord(
                    c.refreshIntent().owner(), c.refreshIntent().startTime().toString())));
  }

  public static Connection decodeConnection(byte[] bytes) {
    ConnectionRecord r = read(bytes, ConnectionRecord.class);
    try {
      requireV1(r.v());
      return new Connection(
          ConnectionName.parse(r.name(), "name"),
          new AppId(r.app()),
          r.subject(),
          ConnectionState.valueOf(r.state()),
          Instant.parse(r.createTime()),
          Instant.parse(r.updateTime()),
          Instant.parse(r.accessTokenExpireTime()),
          r.lastRefreshTime() == null ? null : Instant.parse(r.lastRefreshTime()),
          SealedSecret.of(r.tokens()),
          r.version(),
          r.refreshIntent() == null
              ? null
              : new RefreshIntent(
                  r.refreshIntent().owner(), Instant.parse(r.refreshIntent().startTime())));
    } catch (RuntimeException e) {
      throw corrupt("connection", e);
    }
  }

  public static byte[] encode(Authorization a) {
    AuthorizationError error = a.error();
    return write(
        new AuthorizationRecord(
            V1,
            a.name().name(),
            a.app().id(),
            a.connection().name(),
            a.subject(),
            a.state().name(),
            a.createTime().toString(),
            a.expireTime().toString(),
            a.returnUri() == null ? null : a.returnUri().toString(),
            error == null
                ? null
                : new ErrorRecord(error.reason(), error.message(), error.cozeLogId()),
            a.stateHash(),
            a.secrets().bytes(),
            a.requestId(),
            a.device() == null ? null : deviceRecord(a.device()),
            a.version()));
  }

  private static DeviceRecord deviceRecord(DeviceGrant d) {
    return new DeviceRecord(
        d.userCode(),
        d.verificationUri().toString(),
        d.verificationUriComplete().toString(),
        d.interval().toString(),
        d.nextPollTime().toString(),
        d.workspaceId(),
        d.polls());
  }

  private static DeviceGrant deviceGrant(DeviceRecord d) {
    return new DeviceGrant(
        d.userCode(),
        URI.create(d.verificationUri()),
        URI.create(d.verificationUriComplete()),
        Duration.parse(d.interval()),
        Instant.parse(d.nextPollTime()),
        d.workspaceId(),
        d.polls());
  }

  public static Authorization decodeAuthorization(byte[] bytes) {
    AuthorizationRecord r = read(bytes, AuthorizationRecord.class);
    try {
      requireV1(r.v());
      ErrorRecord error = r.error();
      return new Authorization(
          AuthorizationName.parse(r.name(), "name"),
          new AppId(r.app()),
          ConnectionName.parse(r.connection(), "connection"),
          r.subject(),
          AuthorizationState.valueOf(r.state()),
          Instant.parse(r.createTime()),
          Instant.parse(r.expireTime()),
          r.returnUri() == null ? null : URI.create(r.returnUri()),
          error == null
              ? null
              : new AuthorizationError(error.reason(), error.message(), error.cozeLogId()),
          r.stateHash(),
          SealedSecret.of(r.secrets()),
          r.requestId(),
          r.device() == null ? null : deviceGrant(r.device()),
          r.version());
    } catch (RuntimeException e) {
      throw corrupt("authorization", e);
    }
  }

  public static byte[] encode(WorkflowRun r) {
    WorkflowUsage usage = r.usage();
    WorkflowInterrupt interrupt = r.interrupt();
    WorkflowRunError error = r.error();
    return write(
        new WorkflowRunRecord(
            V1,
            r.name().name(),
            r.connection() == null ? null : r.connection().name(),
            r.workflowId(),
            r.botId(),
            r.appId(),
            r.mode().name(),
            r.state().name(),
            r.requestId(),
            r.requestDigest(),
            r.executeId(),
            r.output(),
            r.debugUrl(),
            new UsageRecord(usage.inputCount(), usage.outputCount(), usage.tokenCount()),
            interrupt == null
                ? null
                : new InterruptRecord(
                    interrupt.eventId(), interrupt.type(), interrupt.data(), interrupt.nodeTitle()),
            error == null
                ? null
                : new RunErrorRecord(
                    error.reason(), error.message(), error.cozeCode(), error.cozeLogId()),
            r.resumeCount(),
            r.logId(),
            r.createTime().toString(),
            r.updateTime().toString(),
            r.checkTime() == null ? null : r.checkTime().toString(),
            r.pollCount(),
            r.version(),
            r.appSession() == null
                ? null
                : new AppSessionRecord(r.appSession().app().id(), r.appSession().sessionName())));
  }

  public static WorkflowRun decodeWorkflowRun(byte[] bytes) {
    WorkflowRunRecord r = read(bytes, WorkflowRunRecord.class);
    try {
      requireV1(r.v());
      UsageRecord usage = r.usage();
      InterruptRecord interrupt = r.interrupt();
      RunErrorRecord error = r.error();
      return new WorkflowRun(
          WorkflowRunName.parse(r.name(), "name"),
          r.connection() == null ? null : ConnectionName.parse(r.connection(), "connection"),
          r.appSession() == null
              ? null
              : new ServiceTokenKey(
                  new AppId(r.appSession().app()), r.appSession().sessionName(), ""),
          r.workflowId(),
          r.botId(),
          r.appId(),
          WorkflowRunMode.valueOf(r.mode()),
          WorkflowRunState.valueOf(r.state()),
          r.requestId(),
          r.requestDigest(),
          r.executeId(),
          r.output(),
          r.debugUrl(),
          usage == null
              ? WorkflowUsage.NONE
              : new WorkflowUsage(usage.inputCount(), usage.outputCount(), usage.tokenCount()),
          interrupt == null
              ? null
              : new WorkflowInterrupt(
                  interrupt.eventId(), interrupt.type(), interrupt.data(), interrupt.nodeTitle()),
          error == null
              ? null
              : new WorkflowRunError(
                  error.reason(), error.message(), error.cozeCode(), error.cozeLogId()),
          r.resumeCount(),
          r.logId(),
          Instant.parse(r.createTime()),
          Instant.parse(r.updateTime()),
          r.checkTime() == null ? null : Instant.parse(r.checkTime()),
          r.pollCount(),
          r.version());
    } catch (RuntimeException e) {
      throw corrupt("workflow run", e);
    }
  }

  public static byte[] encode(ServiceToken t) {
    ServiceTokenKey key = t.key();
    return write(
        new ServiceTokenRecord(
            V1,
            key.app().id(),
            key.sessionName(),
            key.scope(),
            t.token().bytes(),
            t.expireTime().toString(),
            t.createTime().toString()));
  }

  public static ServiceToken decodeServiceToken(byte[] bytes) {
    ServiceTokenRecord r = read(bytes, ServiceTokenRecord.class);
    try {
      requireV1(r.v());
      return new ServiceToken(
          new ServiceTokenKey(new AppId(r.app()), required(r.sessionName()), required(r.scope())),
          SealedSecret.of(r.token()),
          Instant.parse(r.expireTime()),
          Instant.parse(r.createTime()));
    } catch (RuntimeException e) {
      throw corrupt("service token", e);
    }
  }

  /**
   * {@code instant} as 27 decimal digits whose string order is time order, to the nanosecond: the
   * epoch second plus 10^17 (so that it is positive), padded to 18 digits, then the nanosecond of
   * the second, padded to 9. Index keys start with it, so that an index kept in string order (an
   * MVStore map, a Redis sorted set read by lex) is in time order; a separator that sorts before
   * every digit, like {@code ':'}, may follow it.
   */
  public static String sortableTime(Instant instant) {
    return String.format(
        "%018d%09d", instant.getEpochSecond() + EPOCH_SECOND_BIAS, instant.getNano());
  }

  private static byte[] write(Object record) {
    try {
      return JSON.writeValueAsBytes(record);
    } catch (JsonProcessingException e) {
      // Flat records of strings, numbers and bytes always serialize; this is a bug.
      throw new IllegalStateException("cannot serialize " + record.getClass().getSimpleName(), e);
    }
  }

  private static <T> T read(byte[] bytes, Class<T> type) {
    try {
      return JSON.readValue(bytes, type);
    } catch (IOException e) {
      throw corrupt(type.getSimpleName(), e);
    }
  }

  /** A field every record has; the key's constructor would read a missing one as empty. */
  private static String required(String field) {
    if (field == null) {
      throw new IllegalArgumentException("a required field is missing");
    }
    return field;
  }

  private static void requireV1(int v) {
    if (v != V1) {
      throw new IllegalArgumentException("unknown record layout version " + v);
    }
  }

  /** {@link #encode(Connection)} as text, for stores that keep strings. */
  public static String toJson(Connection c) {
    return new String(encode(c), StandardCharsets.UTF_8);
  }

  /** {@link #encode(Authorization)} as text, for stores that keep strings. */
  public static String toJson(Authorization a) {
    return new String(encode(a), StandardCharsets.UTF_8);
  }

  /** {@link #encode(WorkflowRun)} as text, for stores that keep strings. */
  public static String toJson(WorkflowRun r) {
    return new String(encode(r), StandardCharsets.UTF_8);
  }

  /** {@link #encode(ServiceToken)} as text, for stores that keep strings. */
  public static String toJson(ServiceToken t) {
    return new String(encode(t), StandardCharsets.UTF_8);
  }

  public static Connection connectionFromJson(String json) {
    return decodeConnection(json.getBytes(StandardCharsets.UTF_8));
  }

  public static Authorization authorizationFromJson(String json) {
    return decodeAuthorization(json.getBytes(StandardCharsets.UTF_8));
  }

  public static WorkflowRun workflowRunFromJson(String json) {
    return decodeWorkflowRun(json.getBytes(StandardCharsets.UTF_8));
  }

  public static ServiceToken serviceTokenFromJson(String json) {
    return decodeServiceToken(json.getBytes(StandardCharsets.UTF_8));
  }

  public static GatewayException corrupt(String what, Exception cause) {
    return new GatewayException.Internal(
        Reason.DATA_CORRUPT, "a stored " + what + " cannot be read", cause);
  }
}
