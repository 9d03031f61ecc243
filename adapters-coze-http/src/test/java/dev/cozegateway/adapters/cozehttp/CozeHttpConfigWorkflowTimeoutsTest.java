package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The workflow timeouts of {@link CozeHttpConfig}: defaults above Coze's 90 s, and validation. */
class CozeHttpConfigWorkflowTimeoutsTest {
  @Test
  void theSyncRunAndStreamIdleTimeoutsDefaultAboveCozesNinetySecondCutOff() {
    CozeHttpConfig config = CozeHttpConfig.defaults();

    assertThat(config.runTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(config.streamIdleTimeout()).isEqualTo(Duration.ofSeconds(100));
    assertThat(new CozeHttpConfig(Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .isEqualTo(
            new CozeHttpConfig(
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(120),
                Duration.ofSeconds(100)));
  }

  @Test
  void withersReplaceOneTimeout() {
    CozeHttpConfig config =
        CozeHttpConfig.defaults()
            .withRunTimeout(Duration.ofSeconds(95))
            .withStreamIdleTimeout(Duration.ofSeconds(30));

    assertThat(config.runTimeout()).isEqualTo(Duration.ofSeconds(95));
    assertThat(config.streamIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.connectTimeout()).isEqualTo(CozeHttpConfig.DEFAULT_CONNECT_TIMEOUT);
  }

  @Test
  void rejectsBadWorkflowTimeoutsNamingTheField() {
    assertThatThrownBy(() -> CozeHttpConfig.defaults().withRunTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runTimeout");
    assertThatThrownBy(() -> CozeHttpConfig.defaults().withStreamIdleTimeout(Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("streamIdleTimeout");
    assertThatThrownBy(() -> CozeHttpConfig.defaults().withRunTimeout(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("runTimeout");
  }
}
