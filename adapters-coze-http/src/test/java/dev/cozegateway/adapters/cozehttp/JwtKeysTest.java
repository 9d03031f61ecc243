package dev.cozegateway.adapters.cozehttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cozegateway.domain.Secret;
import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.junit.jupiter.api.Test;

/** Start-up checks of a JWT app's private key: what is accepted, and what each refusal says. */
class JwtKeysTest {
  private static final String CONFIG_KEY = "apps[2].private_key_ref";

  @Test
  void acceptsPkcs8AndPkcs1() {
    assertThatCode(() -> JwtKeys.check(TestKeys.pkcs8(TestKeys.RSA), CONFIG_KEY))
        .doesNotThrowAnyException();
    assertThatCode(() -> JwtKeys.check(TestKeys.pkcs1(TestKeys.RSA), CONFIG_KEY))
        .doesNotThrowAnyException();
  }

  @Test
  void toleratesTextAroundThePemAndWindowsLineEnds() {
    String pem = TestKeys.pkcs1(TestKeys.RSA).reveal().replace("\n", "\r\n");

    assertThatCode(() -> JwtKeys.check(Secret.of("my key:\r\n" + pem + "\r\n"), CONFIG_KEY))
        .doesNotThrowAnyException();
  }

  @Test
  void bothFormatsYieldTheSameKey() {
    assertThat(JwtKeys.parse(TestKeys.pkcs1(TestKeys.RSA), CONFIG_KEY).getModulus())
        .isEqualTo(JwtKeys.parse(TestKeys.pkcs8(TestKeys.RSA), CONFIG_KEY).getModulus());
  }

  @Test
  void aMissingKeyIsNamed() {
    assertRefused(null, "no private key");
    assertRefused(Secret.of("  "), "no private key");
  }

  @Test
  void textThatIsNotPemIsNamed() {
    assertRefused(Secret.of("file:/etc/coze/key.pem"), "not PEM");
  }

  @Test
  void aPublicKeyIsNamed() {
    assertRefused(TestKeys.publicPem(TestKeys.RSA), "public key");
  }

  @Test
  void aKeyThatIsNotRsaIsNamed() {
    KeyPair ec = TestKeys.generate("EC", 256);

    assertRefused(TestKeys.pkcs8(ec), "EC private key", "RSA");
  }

  @Test
  void anEncryptedKeyIsNamed() {
    assertRefused(TestKeys.encryptedPkcs1(TestKeys.RSA), "encrypted");
    assertRefused(TestKeys.encryptedPkcs8(TestKeys.RSA), "encrypted");
  }

  @Test
  void aCorruptKeyIsNamed() {
    String pkcs8 = TestKeys.pkcs8(TestKeys.RSA).reveal();
    String[] lines = pkcs8.split("\n");
    // Bad base64, a truncated body, and a missing END line.
    assertRefused(Secret.of(pkcs8.replace(lines[3], "!!!!" + lines[3].substring(4))), "corrupt");
    assertRefused(
        Secret.of(lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[lines.length - 1]),
        "corrupt");
    assertRefused(Secret.of(pkcs8.substring(0, pkcs8.indexOf("-----END"))), "corrupt");
  }

  @Test
  void aKeyWhoseNumbersDoNotFitIsNamed() throws IOException {
    RSAPrivateCrtKey key = (RSAPrivateCrtKey) TestKeys.RSA.getPrivate();
    byte[] der =
        new RSAPrivateKey(
                key.getModulus(),
                key.getPublicExponent(),
                key.getPrivateExponent(),
                key.getPrimeP(),
                key.getPrimeQ(),
                key.getPrimeExponentP().add(BigInteger.TWO),
                key.getPrimeExponentQ(),
                key.getCrtCoefficient())
            .getEncoded();

    assertThatThrownBy(
            () -> JwtKeys.check(Secret.of(TestKeys.pem("RSA PRIVATE KEY", der)), CONFIG_KEY))
        .isInstanceOfSatisfying(
            IllegalArgumentException.class,
            e -> assertThat(e.getMessage()).startsWith(CONFIG_KEY + ": "));
  }

  private static void assertRefused(Secret pem, String... what) {
    assertThatThrownBy(() -> JwtKeys.check(pem, CONFIG_KEY))
        .isInstanceOfSatisfying(
            IllegalArgumentException.class,
            e -> {
              assertThat(e.getMessage()).startsWith(CONFIG_KEY + ": ").contains(what);
              assertThat(e.getCause()).as("no parser text that might quote the key").isNull();
              if (pem != null && TestKeys.keyMaterial(pem).length > 0) {
                assertThat(e.getMessage()).doesNotContain(TestKeys.keyMaterial(pem));
              }
            });
  }
}
