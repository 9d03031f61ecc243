package dev.cozegateway.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class KeyRingTest {

  @Test
  void aSingleKeyIsPrimaryWithoutBeingNamed() {
    KeyRing ring = KeyRing.parse(TestKeys.entry("k1", 1), null);

    assertThat(ring.primaryKeyId()).isEqualTo("k1");
    assertThat(ring.keyIds()).containsExactly("k1");
    assertThat(ring.key("k1")).isEqualTo(TestKeys.key(1));
    assertThat(KeyRing.parse(TestKeys.entry("k1", 1), "").primaryKeyId()).isEqualTo("k1");
  }

  @Test
  void parsesCommaSeparatedKeysWithANamedPrimary() {
    KeyRing ring = KeyRing.parse(TestKeys.entry("k1", 1) + ", " + TestKeys.entry("k2", 2), "k2");

    assertThat(ring.primaryKeyId()).isEqualTo("k2");
    assertThat(ring.keyIds()).containsExactly("k1", "k2");
    assertThat(ring.key("k1")).isEqualTo(TestKeys.key(1));
    assertThat(ring.key("k2")).isEqualTo(TestKeys.key(2));
    assertThat(ring.key("k3")).isNull();
  }

  @Test
  void parsesAKeyFileWithOneKeyPerLineCommentsAndBlankLines() {
    String file =
        "# coze-gateway keys\r\n"
            + "\n"
            + TestKeys.entry("old-2024", 1)
            + "   # retired, still opens old values\n"
            + "  "
            + TestKeys.entry("new-2025", 2)
            + "  \r\n"
            + "\n";

    KeyRing ring = KeyRing.parse(file, "new-2025");

    assertThat(ring.keyIds()).containsExactly("old-2024", "new-2025");
    assertThat(ring.key("old-2024")).isEqualTo(TestKeys.key(1));
    assertThat(ring.key("new-2025")).isEqualTo(TestKeys.key(2));
  }

  @Test
  void handsOutCopiesOfItsKeys() {
    KeyRing ring = KeyRing.parse(TestKeys.entry("k1", 1), null);

    ring.key("k1")[0] ^= 1;

    assertThat(ring.key("k1")).isEqualTo(TestKeys.key(1));
  }

  @Test
  void refusesAnEmptySpec() {
    for (String empty : new String[] {null, "", "  \n# only a comment\n,"}) {
      assertThatThrownBy(() -> KeyRing.parse(empty, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key ring is empty");
    }
  }

  @Test
  void refusesAnEntryWithoutAnId() {
    assertThatThrownBy(() -> KeyRing.parse(TestKeys.base64(1), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 1")
        .hasMessageContaining("id:base64");
  }

  @Test
  void refusesAnInvalidKeyId() {
    assertThatThrownBy(
            () -> KeyRing.parse(TestKeys.entry("k1", 1) + ",bad id:" + TestKeys.base64(2), "k1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 2")
        .hasMessageContaining("key id");
    assertThatThrownBy(() -> KeyRing.parse(":" + TestKeys.base64(2), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 1");
  }

  @Test
  void refusesKeyMaterialThatIsNotBase64() {
    assertThatThrownBy(() -> KeyRing.parse("k1:not*base64!", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k1'")
        .hasMessageContaining("base64")
        .hasNoCause();
  }

  @Test
  void refusesAKeyOfTheWrongLength() {
    String aes128 = Base64.getEncoder().encodeToString(new byte[16]);

    assertThatThrownBy(() -> KeyRing.parse("short:" + aes128, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'short'")
        .hasMessageContaining("16 bytes")
        .hasMessageContaining("32");
  }

  @Test
  void refusesADuplicateKeyId() {
    assertThatThrownBy(
            () -> KeyRing.parse(TestKeys.entry("k1", 1) + "\n" + TestKeys.entry("k1", 2), "k1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k1'")
        .hasMessageContaining("more than once");
  }

  @Test
  void refusesAPrimaryThatIsNotInTheRing() {
    assertThatThrownBy(() -> KeyRing.parse(TestKeys.entry("k1", 1), "k2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k2'")
        .hasMessageContaining("[k1]");
  }

  @Test
  void refusesSeveralKeysWithoutAPrimary() {
    assertThatThrownBy(
            () -> KeyRing.parse(TestKeys.entry("k1", 1) + "," + TestKeys.entry("k2", 2), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 keys")
        .hasMessageContaining("primary");
  }

  @Test
  void generatesAKeyLineThatParses() {
    String line = KeyRing.generateKeyLine("k-2025.1");

    KeyRing ring = KeyRing.parse(line, null);

    assertThat(line).startsWith("k-2025.1:");
    assertThat(ring.primaryKeyId()).isEqualTo("k-2025.1");
    assertThat(ring.key("k-2025.1")).hasSize(32);
  }

  @Test
  void generatesADifferentKeyEachTime() {
    String first = KeyRing.generateKeyLine("k1");
    String second = KeyRing.generateKeyLine("k1");

    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void refusesToGenerateAKeyWithAnInvalidId() {
    assertThatThrownBy(() -> KeyRing.generateKeyLine("no spaces"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key id");
  }

  @Test
  void toStringNamesTheKeysButShowsNoKeyBytes() {
    KeyRing ring = KeyRing.parse(TestKeys.entry("k1", 1) + "," + TestKeys.entry("k2", 2), "k2");

    assertThat(ring.toString())
        .isEqualTo("KeyRing[primary=k2, keys=[k1, k2]]")
        .doesNotContain(TestKeys.base64(1))
        .doesNotContain(TestKeys.base64(2));
  }
}
