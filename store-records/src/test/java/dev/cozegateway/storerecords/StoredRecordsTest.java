package dev.cozegateway.storerecords;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Authorization;
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
import dev.cozegateway.domain.TenantId;
import dev.cozegateway.domain.WorkflowInterrupt;
import dev.cozegateway.domain.WorkflowRun;
import dev.cozegateway.domain.WorkflowRunError;
import dev.cozegateway.domain.WorkflowRunMode;
import dev.cozegateway.domain.WorkflowRunName;
import dev.cozegateway.domain.WorkflowRunState;
import dev.cozegateway.domain.WorkflowUsage;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredRecordsTest {
  private final Connection connection =
      new Connection(
          new ConnectionName(new TenantId("acme"), "alice"),
          new AppId("web"),
          "user-1",
          ConnectionState.ACTIVE,
          Instant.parse("2026-01-01T00:00:00Z"),
          Instant.parse("2026-01-01T00:01:00Z"),
          Instant.parse("2026-01-01T00:15:00Z"),
          null,
          SealedSecret.of(new byte[] {1, 2, 3, (byte) 0xff}),
          7);

  @Test
  void aConnectionRoundTripsAsBytesAndAsText() {
    assertThat(StoredRecords.decodeConnection(StoredRecords.encode(connection)))
        .isEqualTo(connection);
    assertThat(StoredRecords.connectionFromJson(StoredRecords.toJson(connection)))
        .isEqualTo(connection);
    assertThat(StoredRecords.toJson(connection)).contains("\"v\":1");
  }

  @Test
  void aRefreshUnderWayRoundTrips() {
    Connection refreshing =
        connection.withRefreshIntent(
            new RefreshIntent("4711-3f2a9c", Instant.parse("2026-01-01T00:14:00.123Z")));

    Connection read = StoredRecords.decodeConnection(StoredRecords.encode(refreshing));

    assertThat(read).isEqualTo(refreshing);
    assertThat(read.refreshIntent().owner()).isEqualTo("4711-3f2a9c");
  }

  @Test
  void aRecordWrittenBeforeRefreshIntentsExistedHasNone() {
    String older = StoredRecords.toJson(connection).replace(",\"refreshIntent\":null", "");
    assertThat(older).doesNotContain("refreshIntent");

    assertThat(StoredRecords.connectionFromJson(older)).isEqualTo(connection);
  }

  @Test
  void anUnreadableRecordIsDataCorrupt() {
    assertThatThrownBy(() -> StoredRecords.connectionFromJson("{\"v\":1,\"name\":"))
        .isInstanceOfSatisfying(
            GatewayException.Internal.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.DATA_CORRUPT));
  }

  private final WorkflowRun run =
      WorkflowRun.builder()
          .name(new WorkflowRunName(new TenantId("acme"), "run-1"))
          .connection(new ConnectionName(new TenantId("acme"), "alice"))
          .workflowId("7431")
          .appId("app-1")
          .mode(WorkflowRunMode.ASYNC)
          .state(WorkflowRunState.INTERRUPTED)
          .requestId("req ☃")
          .requestDigest("digest")
          .executeId("exec-1")
          .output("{\"a\":\"日本 😀\"}")
          .debugUrl("https://www.coze.cn/work_flow?execute_id=1")
          .usage(new WorkflowUsage(1, 2, 3))
          .interrupt(new WorkflowInterrupt("1/2", 2, "which?", "Ask"))
          .error(new WorkflowRunError("COZE_WORKFLOW_FAILED", "boom", "4000", "log-1"))
          .resumeCount(1)
          .logId("log-2")
          .createTime(Instant.parse("2026-01-01T00:00:00.123456789Z"))
          .updateTime(Instant.parse("2026-01-01T00:01:00Z"))
          .checkTime(Instant.parse("2026-01-01T00:02:00.5Z"))
          .pollCount(4)
          .version(9)
          .build();

  @Test
  void aWorkflowRunRoundTripsAsBytesAndAsText() {
    assertThat(StoredRecords.decodeWorkflowRun(StoredRecords.encode(run))).isEqualTo(run);
    assertThat(StoredRecords.workflowRunFromJson(StoredRecords.toJson(run))).isEqualTo(run);
  }

  @Test
  void aWorkflowRunIsAFlatRecordWithALayoutVersion() {
    String json = StoredRecords.toJson(run);

    assertThat(json)
        .startsWith("{\"v\":1,")
        .contains("\"name\":\"tenants/acme/workflowRuns/run-1\"")
        .contains("\"connection\":\"tenants/acme/connections/alice\"")
        .contains("\"mode\":\"ASYNC\"")
        .contains("\"state\":\"INTERRUPTED\"")
        .contains("\"createTime\":\"2026-01-01T00:00:00.123456789Z\"")
        .contains("\"checkTime\":\"2026-01-01T00:02:00.500Z\"")
        .contains("\"version\":9");
  }

  @Test
  void aWorkflowRunWithoutInterruptErrorOrCheckTimeRoundTrips() {
    WorkflowRun finished =
        run.toBuilder()
            .state(WorkflowRunState.SUCCEEDED)
            .interrupt(null)
            .error(null)
            .checkTime(null)
            .usage(WorkflowUsage.NONE)
            .build();

    WorkflowRun read = StoredRecords.workflowRunFromJson(StoredRecords.toJson(finished));

    assertThat(read).isEqualTo(finished);
    assertThat(read.interrupt()).isNull();
    assertThat(read.error()).isNull();
    assertThat(read.checkTime()).isNull();
  }

  @Test
  void aWorkflowRunRecordWithFieldsItDoesNotKnowIsRead() {
    String newer =
        StoredRecords.toJson(run)
            .replaceFirst("^\\{", "{\"addedLater\":{\"x\":[1,2]},\"alsoNew\":\"y\",");

    assertThat(StoredRecords.workflowRunFromJson(newer)).isEqualTo(run);
  }

  @Test
  void anUnreadableWorkflowRunIsDataCorrupt() {
    for (String broken :
        List.of(
            "{\"v\":1,\"name\":",
            StoredRecords.toJson(run).replace("\"INTERRUPTED\"", "\"SLEEPING\""),
            StoredRecords.toJson(run).replace("\"v\":1,", "\"v\":2,"),
            StoredRecords.toJson(run).replace("\"workflowId\":\"7431\",", ""),
            StoredRecords.toJson(run).replace("tenants/acme/workflowRuns/run-1", "runs/1"))) {
      assertThatThrownBy(() -> StoredRecords.workflowRunFromJson(broken))
          .as(broken)
          .isInstanceOfSatisfying(
              GatewayException.Internal.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.DATA_CORRUPT));
    }
  }

  @Test
  void sortableTimesSortAsTheInstantsDo() {
    List<Instant> instants =
        List.of(
            Instant.MIN,
            Instant.parse("1969-12-31T23:59:59.999999999Z"),
            Instant.EPOCH,
            Instant.EPOCH.plusNanos(1),
            Instant.parse("2026-01-01T00:00:00.1Z"),
            Instant.parse("2026-01-01T00:00:00.123456789Z"),
            Instant.parse("2026-01-01T00:00:01Z"),
            Instant.MAX);

    List<String> sortable = instants.stream().map(StoredRecords::sortableTime).toList();

    assertThat(sortable)
        .isSorted()
        .doesNotHaveDuplicates()
        .allSatisfy(
            s -> assertThat(s).hasSize(StoredRecords.SORTABLE_TIME_LENGTH).containsOnlyDigits());
    assertThat(StoredRecords.sortableTime(Instant.parse("2026-01-01T00:00:00.5Z")))
        .isEqualTo("100000001767225600500000000");
  }

  private final Authorization browser =
      new Authorization(
          new AuthorizationName(new TenantId("acme"), "a1"),
          new AppId("web"),
          new ConnectionName(new TenantId("acme"), "alice"),
          "user-1",
          AuthorizationState.PENDING,
          Instant.parse("2026-01-01T00:00:00Z"),
          Instant.parse("2026-01-01T00:10:00Z"),
          null,
          null,
          new byte[] {9, 8, 7},
          SealedSecret.of(new byte[] {1, 2, 3}),
          "req-1");

  private final Authorization device =
      new Authorization(
          new AuthorizationName(new TenantId("acme"), "d1"),
          new AppId("tv"),
          new ConnectionName(new TenantId("acme"), "bob"),
          "user-2",
          AuthorizationState.PENDING,
          Instant.parse("2026-01-01T00:00:00Z"),
          Instant.parse("2026-01-01T00:15:00Z"),
          null,
          null,
          new byte[] {6, 5},
          SealedSecret.of(new byte[] {4, 5, 6}),
          "",
          new DeviceGrant(
              "WDJB-MJHT",
              URI.create("https://www.coze.cn/device"),
              URI.create("https://www.coze.cn/device?user_code=WDJB-MJHT"),
              Duration.ofSeconds(5).plusNanos(1),
              Instant.parse("2026-01-01T00:00:05.123456789Z"),
              "ws-7",
              3),
          11);

  @Test
  void aDeviceAuthorizationRoundTripsWithEveryGrantFieldAndItsVersion() {
    Authorization read = StoredRecords.authorizationFromJson(StoredRecords.toJson(device));

    assertThat(read).isEqualTo(device);
    assertThat(read.device()).isEqualTo(device.device());
    assertThat(read.version()).isEqualTo(11);
    assertThat(StoredRecords.decodeAuthorization(StoredRecords.encode(device))).isEqualTo(device);
  }

  @Test
  void aDeviceGrantIsANestedRecordOfStringsWithAnIsoInterval() {
    String json = StoredRecords.toJson(device);

    assertThat(json)
        .startsWith("{\"v\":1,")
        .contains(
            "\"device\":{\"userCode\":\"WDJB-MJHT\","
                + "\"verificationUri\":\"https://www.coze.cn/device\","
                + "\"verificationUriComplete\":"
                + "\"https://www.coze.cn/device?user_code=WDJB-MJHT\","
                + "\"interval\":\"PT5.000000001S\","
                + "\"nextPollTime\":\"2026-01-01T00:00:05.123456789Z\","
                + "\"workspaceId\":\"ws-7\",\"polls\":3}")
        .contains("\"version\":11");
  }

  @Test
  void aBrowserAuthorizationHasNoDevice() {
    String json = StoredRecords.toJson(browser);

    assertThat(json).contains("\"device\":null").contains("\"version\":0");
    Authorization read = StoredRecords.authorizationFromJson(json);
    assertThat(read).isEqualTo(browser);
    assertThat(read.device()).isNull();
  }

  @Test
  void anAuthorizationWrittenBeforeDeviceGrantsHasNoDeviceAndVersionZero() {
    Authorization versioned =
        new Authorization(
            browser.name(),
            browser.app(),
            browser.connection(),
            browser.subject(),
            browser.state(),
            browser.createTime(),
            browser.expireTime(),
            browser.returnUri(),
            browser.error(),
            browser.stateHash(),
            browser.secrets(),
            browser.requestId(),
            null,
            4);
    String older =
        StoredRecords.toJson(versioned)
            .replace(",\"device\":null", "")
            .replace(",\"version\":4", "");
    assertThat(older).doesNotContain("device").doesNotContain("version").contains("\"v\":1");

    Authorization read = StoredRecords.authorizationFromJson(older);

    assertThat(read).isEqualTo(browser);
    assertThat(read.device()).isNull();
    assertThat(read.version()).isZero();
  }

  @Test
  void anAuthorizationRecordWithFieldsItDoesNotKnowIsRead() {
    String newer =
        StoredRecords.toJson(device)
            .replaceFirst("^\\{", "{\"addedLater\":{\"x\":[1,2]},")
            .replace("\"polls\":3", "\"polls\":3,\"alsoNew\":\"y\"");

    assertThat(StoredRecords.authorizationFromJson(newer)).isEqualTo(device);
  }

  @Test
  void anUnreadableDeviceGrantIsDataCorrupt() {
    for (String broken :
        List.of(
            StoredRecords.toJson(device).replace("\"PT5.000000001S\"", "\"5 seconds\""),
            StoredRecords.toJson(device).replace("\"2026-01-01T00:00:05.123456789Z\"", "\"soon\""),
            StoredRecords.toJson(device).replace("\"userCode\":\"WDJB-MJHT\",", ""),
            StoredRecords.toJson(device).replace("\"v\":1,", "\"v\":2,"))) {
      assertThatThrownBy(() -> StoredRecords.authorizationFromJson(broken))
          .as(broken)
          .isInstanceOfSatisfying(
              GatewayException.Internal.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.DATA_CORRUPT));
    }
  }

  private final ServiceToken serviceToken =
      new ServiceToken(
          new ServiceTokenKey(new AppId("jwt-app"), "user ☃ 日本", "{\"scope\":[\"a\"]}"),
          SealedSecret.of(new byte[] {0, 1, (byte) 0x80, (byte) 0xff}),
          Instant.parse("2026-01-01T00:15:00.123456789Z"),
          Instant.parse("2026-01-01T00:00:00Z"));

  @Test
  void aServiceTokenRoundTripsAsBytesAndAsText() {
    ServiceToken read = StoredRecords.serviceTokenFromJson(StoredRecords.toJson(serviceToken));

    assertThat(read).isEqualTo(serviceToken);
    assertThat(read.token().bytes()).containsExactly(0, 1, 0x80, 0xff);
    assertThat(StoredRecords.decodeServiceToken(StoredRecords.encode(serviceToken)))
        .isEqualTo(serviceToken);
  }

  @Test
  void aSessionNameBeyondTheBasicPlaneRoundTripsEscaped() {
    ServiceToken emoji =
        new ServiceToken(
            new ServiceTokenKey(new AppId("jwt-app"), "😀", ""),
            serviceToken.token(),
            serviceToken.expireTime(),
            serviceToken.createTime());

    String json = StoredRecords.toJson(emoji);

    assertThat(json).contains("\"sessionName\":\"\\uD83D\\uDE00\"");
    assertThat(StoredRecords.serviceTokenFromJson(json)).isEqualTo(emoji);
  }

  @Test
  void aServiceTokenIsAFlatRecordWithALayoutVersion() {
    assertThat(StoredRecords.toJson(serviceToken))
        .isEqualTo(
            "{\"v\":1,\"app\":\"jwt-app\",\"sessionName\":\"user ☃ 日本\","
                + "\"scope\":\"{\\\"scope\\\":[\\\"a\\\"]}\",\"token\":\"AAGA/w==\","
                + "\"expireTime\":\"2026-01-01T00:15:00.123456789Z\","
                + "\"createTime\":\"2026-01-01T00:00:00Z\"}");
  }

  @Test
  void theAppsOwnServiceTokenRoundTripsWithAnEmptySessionNameAndScope() {
    ServiceToken own =
        new ServiceToken(
            new ServiceTokenKey(new AppId("jwt-app"), "", ""),
            serviceToken.token(),
            serviceToken.expireTime(),
            serviceToken.createTime());

    ServiceToken read = StoredRecords.serviceTokenFromJson(StoredRecords.toJson(own));

    assertThat(read).isEqualTo(own);
    assertThat(read.key().id()).isEqualTo(own.key().id());
  }

  @Test
  void aServiceTokenRecordWithFieldsItDoesNotKnowIsRead() {
    String newer =
        StoredRecords.toJson(serviceToken)
            .replaceFirst("^\\{", "{\"addedLater\":{\"x\":[1,2]},\"alsoNew\":\"y\",");

    assertThat(StoredRecords.serviceTokenFromJson(newer)).isEqualTo(serviceToken);
  }

  @Test
  void anUnreadableServiceTokenIsDataCorrupt() {
    String json = StoredRecords.toJson(serviceToken);
    for (String broken :
        List.of(
            "{\"v\":1,\"app\":",
            json.replace("\"v\":1,", "\"v\":2,"),
            json.replace("\"v\":1,", ""),
            json.replace("\"app\":\"jwt-app\",", ""),
            json.replace("\"jwt-app\"", "\"Not An App\""),
            json.replace("\"sessionName\":\"user ☃ 日本\",", ""),
            json.replace("\"scope\":\"{\\\"scope\\\":[\\\"a\\\"]}\",", ""),
            json.replace("\"token\":\"AAGA/w==\",", ""),
            json.replace("\"AAGA/w==\"", "\"not base64!\""),
            json.replace("2026-01-01T00:15:00.123456789Z", "in a quarter of an hour"),
            json.replace(",\"createTime\":\"2026-01-01T00:00:00Z\"", ""),
            json.replace("\"user ☃ 日本\"", "\"" + "x".repeat(257) + "\""))) {
      assertThatThrownBy(() -> StoredRecords.serviceTokenFromJson(broken))
          .as(broken)
          .isInstanceOfSatisfying(
              GatewayException.Internal.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.DATA_CORRUPT));
    }
  }
}
