package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CozeHttpConfigTest {
  @Test
  void defaultsAreShortConnectAndThirtySecondRequest() {
    CozeHttpConfig config = CozeHttpConfig.defaults();

    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void rejectsMissingTimeoutsNamingTheField() {
    assertThatThrownBy(() -> new CozeHttpConfig(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> new CozeHttpConfig(Duration.ofSeconds(1), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("requestTimeout");
  }

  @Test
  void rejectsZeroNegativeAndAbsurdTimeoutsNamingTheField() {
    for (Duration bad :
        new Duration[] {Duration.ZERO, Duration.ofMillis(-1), Duration.ofHours(1)}) {
      assertThatThrownBy(() -> new CozeHttpConfig(bad, Duration.ofSeconds(30)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("connectTimeout")
          .hasMessageContaining(bad.toString());
      assertThatThrownBy(() -> new CozeHttpConfig(Duration.ofSeconds(5), bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("requestTimeout");
    }
  }
}
