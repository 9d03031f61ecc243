package dev.cozegateway.adapters.vault;

import java.util.Base64;

/** Fixed keys for tests, so that a test can look for their base64 in messages. */
final class TestKeys {
  private TestKeys() {}

  /** 32 bytes derived from {@code seed}; different seeds give different keys. */
  static byte[] key(int seed) {
    byte[] key = new byte[KeyRing.KEY_LENGTH];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (seed * 31 + i * 7 + 1);
    }
    return key;
  }

  static String base64(int seed) {
    return Base64.getEncoder().encodeToString(key(seed));
  }

  /** An {@code id:base64} entry. */
  static String entry(String id, int seed) {
    return id + ":" + base64(seed);
  }
}
