package dev.cozegateway.storerecords;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.AppId;
import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.ConnectionState;
import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.RefreshIntent;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.TenantId;
import java.time.Instant;
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
}
