package dev.cozegateway.adapters.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;

final class StoreAssertions {
  private StoreAssertions() {}

  /** The call fails with Unavailable(STORE_UNAVAILABLE), saying nothing a client should not see. */
  static void assertStoreUnavailable(Runnable call) {
    GatewayException.Unavailable failure =
        catchThrowableOfType(GatewayException.Unavailable.class, call::run);
    assertThat(failure).as("expected Unavailable(STORE_UNAVAILABLE)").isNotNull();
    assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    assertThat(failure.getMessage())
        .isEqualTo("the gateway's store is unavailable")
        .doesNotContainIgnoringCase("jedis")
        .doesNotContain("127.0.0.1");
  }
}
