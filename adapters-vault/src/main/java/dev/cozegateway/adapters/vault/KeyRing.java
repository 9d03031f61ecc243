package dev.cozegateway.adapters.vault;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The vault's keys: AES-256 keys by id, one of them primary. New values are sealed with the primary
 * key; any key still in the ring opens what it sealed, which is how keys rotate (add a key, make it
 * primary, keep the old one until nothing sealed with it is left). Immutable and thread-safe.
 *
 * <p>Nothing here ever prints key bytes: not {@link #toString()}, not an error message.
 */
public final class KeyRing {
  /** AES-256. */
  static final int KEY_LENGTH = 32;

  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final String KEY_ID_RULE =
      "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, byte[]> keys;
  private final String primaryKeyId;

  private KeyRing(Map<String, byte[]> keys, String primaryKeyId) {
    this.keys = Collections.unmodifiableMap(keys);
    this.primaryKeyId = primaryKeyId;
  }

  /**
   * Parses a key ring from {@code id:base64} entries, separated by commas or line breaks, so that a
   * key file can hold one key per line. Blank lines are skipped and {@code #} starts a comment.
   *
   * @param spec the entries, e.g. {@code k1:<base64 of 32 bytes>,k2:<base64 of 32 bytes>}
   * @param primaryKeyId the id of the key that seals new values; may be null or empty when the ring
   *     holds exactly one key, which is then primary
   * @throws IllegalArgumentException naming what is wrong (never showing key bytes)
   */
  public static KeyRing parse(String spec, String primaryKeyId) {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    int entryNumber = 0;
    for (String line : (spec == null ? "" : spec).split("\\R")) {
      int comment = line.indexOf('#');
      String content = comment < 0 ? line : line.substring(0, comment);
      for (String rawEntry : content.split(",")) {
        String entry = rawEntry.strip();
        if (entry.isEmpty()) {
          continue;
        }
        entryNumber++;
        parseEntry(entry, entryNumber, keys);
      }
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(
          "the key ring is empty: give at least one key as id:base64 (32 random bytes)");
    }
    return new KeyRing(keys, choosePrimary(keys, primaryKeyId));
  }

  /**
   * A new random key as an {@code id:base64} line, ready for a key file or {@link #parse}.
   *
   * @throws IllegalArgumentException if the id is not a valid key id
   */
  public static String generateKeyLine(String keyId) {
    requireValidId(keyId, "key id");
    byte[] key = new byte[KEY_LENGTH];
    RANDOM.nextBytes(key);
    return keyId + ":" + Base64.getEncoder().encodeToString(key);
  }

  /** The id of the key that seals new values. */
  public String primaryKeyId() {
    return primaryKeyId;
  }

  /** Every key id in the ring, in the order given. */
  public Set<String> keyIds() {
    return keys.keySet();
  }

  /** A copy of the key with this id, or null if the ring has no such key. */
  byte[] key(String keyId) {
    byte[] key = keys.get(keyId);
    return key == null ? null : key.clone();
  }

  static boolean isValidKeyId(String keyId) {
    return keyId != null && KEY_ID.matcher(keyId).matches();
  }

  @Override
  public String toString() {
    return "KeyRing[primary=" + primaryKeyId + ", keys=" + keys.keySet() + "]";
  }

  private static void parseEntry(String entry, int number, Map<String, byte[]> keys) {
    int colon = entry.indexOf(':');
    if (colon < 0) {
      // Without a colon the entry may be bare key material: say where, not what.
      throw new IllegalArgumentException(
          "key ring entry " + number + " is not of the form id:base64");
    }
    String id = entry.substring(0, colon).strip();
    if (!isValidKeyId(id)) {
      throw new IllegalArgumentException(
          "key ring entry " + number + " has an invalid key id: it must be " + KEY_ID_RULE);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(entry.substring(colon + 1).strip());
    } catch (IllegalArgumentException e) {
      // The decoder's message quotes the offending character; leave it out.
      throw new IllegalArgumentException("key '" + id + "' is not valid base64");
    }
    if (key.length != KEY_LENGTH) {
      throw new IllegalArgumentException(
          "key '"
              + id
              + "' is "
              + key.length
              + " bytes; AES-256 needs exactly "
              + KEY_LENGTH
              + " (generate one with keygen)");
    }
    if (keys.putIfAbsent(id, key) != null) {
      throw new IllegalArgumentException("key id '" + id + "' appears more than once");
    }
  }

  private static String choosePrimary(Map<String, byte[]> keys, String primaryKeyId) {
    if (primaryKeyId == null || primaryKeyId.isBlank()) {
      if (keys.size() == 1) {
        return keys.keySet().iterator().next();
      }
      throw new IllegalArgumentException(
          "the key ring holds "
              + keys.size()
              + " keys "
              + keys.keySet()
              + "; name the primary key id that seals new values");
    }
    String primary = primaryKeyId.strip();
    requireValidId(primary, "primary key id");
    if (!keys.containsKey(primary)) {
      throw new IllegalArgumentException(
          "primary key id '" + primary + "' is not in the key ring " + keys.keySet());
    }
    return primary;
  }

  private static void requireValidId(String keyId, String what) {
    Objects.requireNonNull(keyId, what);
    if (!isValidKeyId(keyId)) {
      throw new IllegalArgumentException(what + " must be " + KEY_ID_RULE);
    }
  }
}
