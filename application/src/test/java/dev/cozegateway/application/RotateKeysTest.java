package dev.cozegateway.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cozegateway.domain.Connection;
import dev.cozegateway.domain.ConnectionName;
import dev.cozegateway.domain.TokenSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RotateKeysTest {
  private final AuthFixture fx = new AuthFixture();
  private final RotateKeys rotateKeys = new RotateKeys(fx.connections, fx.vault);

  private TokenSet stored(ConnectionName name) {
    Connection c = fx.connections.find(name).orElseThrow();
    return SecretCodec.decodeTokens(fx.vault.open(c.tokens(), Connection.tokenContext(name)));
  }

  @Test
  void everyConnectionEndsUpOnThePrimaryKeyWithTheSameTokens() {
    ConnectionName alice = fx.connect("alice");
    ConnectionName bob = fx.connect("bob");
    fx.connect(new dev.cozegateway.domain.TenantId("globex"), "carol");
    TokenSet aliceBefore = stored(alice);
    fx.vault.rotatePrimaryKey();
    assertThat(rotateKeys.countRemaining()).isEqualTo(3);
    long versionBefore = fx.connections.find(bob).orElseThrow().version();

    RotateKeys.Report report = rotateKeys.execute();

    assertThat(report).isEqualTo(new RotateKeys.Report(3, 3, 0));
    assertThat(stored(alice)).isEqualTo(aliceBefore);
    assertThat(fx.connections.find(bob).orElseThrow().version()).isEqualTo(versionBefore + 1);
  }

  @Test
  void runningItAgainChangesNothing() {
    fx.connect("alice");
    fx.vault.rotatePrimaryKey();
    rotateKeys.execute();

    assertThat(rotateKeys.execute()).isEqualTo(new RotateKeys.Report(0, 1, 0));
  }

  @Test
  void aRefreshAfterRotationSealsWithTheNewKeyAndTheTokensStillWork() {
    ConnectionName alice = fx.connect("alice");
    fx.vault.rotatePrimaryKey();
    // Reads work under the old key before the rotation ran...
    assertThat(
            fx.useCases.getAccessToken().execute(new GetAccessToken.Command(alice, null)).token())
        .isEqualTo(stored(alice).accessToken());
    // ...and a refresh writes under the new one, leaving nothing to rotate.
    fx.clock.advance(Duration.ofMinutes(20));
    fx.useCases.getAccessToken().execute(new GetAccessToken.Command(alice, null));

    assertThat(rotateKeys.countRemaining()).isZero();
  }
}
