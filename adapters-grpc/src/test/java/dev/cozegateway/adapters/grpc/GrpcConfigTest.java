package dev.cozegateway.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GrpcConfigTest {

  @Test
  void defaultsListenOnLoopbackOn9090AndDrainFor25Seconds() {
    GrpcConfig config = GrpcConfig.defaults();

    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(25));
  }

  @Test
  void portZeroAndZeroDrainAreAllowed() {
    GrpcConfig config = new GrpcConfig("127.0.0.1", 0, Duration.ZERO);

    assertThat(config.port()).isZero();
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> new GrpcConfig(" ", 9090, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grpc.host");
    assertThatThrownBy(() -> new GrpcConfig("0.0.0.0", -1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grpc.port");
    assertThatThrownBy(() -> new GrpcConfig("0.0.0.0", 65536, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grpc.port")
        .hasMessageContaining("65536");
    assertThatThrownBy(() -> new GrpcConfig("0.0.0.0", 9090, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grpc.drain-timeout");
    assertThatThrownBy(() -> new GrpcConfig("0.0.0.0", 9090, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grpc.drain-timeout");
    assertThatThrownBy(() -> new GrpcConfig("0.0.0.0", 9090, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("grpc.drain-timeout");
  }
}
