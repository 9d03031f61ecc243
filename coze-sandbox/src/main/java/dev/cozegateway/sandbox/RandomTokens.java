package dev.cozegateway.sandbox;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Generates codes, tokens and log ids in Coze's formats (§1) from a {@link SecureRandom}, so the
 * sandbox never hands out guessable credentials even on a shared machine. Thread-safe.
 */
final class RandomTokens {
  private static final char[] ALPHANUMERIC =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  // RFC 8628 §6.1: consonants only, so no vowels spell words and no 0/O or 1/I mix-ups.
  private static final char[] USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ".toCharArray();
  private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();
  private static final DateTimeFormatter LOG_ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

  // Lengths copied from the examples in the contract: code_ + 48, czu_ + 64, refresh 68.
  private static final int CODE_LENGTH = 48;
  private static final int ACCESS_TOKEN_LENGTH = 64;
  private static final int REFRESH_TOKEN_LENGTH = 68;
  private static final int AUTHORIZE_KEY_LENGTH = 32;
  private static final int DEVICE_CODE_LENGTH = 40;
  private static final int USER_CODE_HALF = 4;
  private static final int LOG_ID_HEX_LENGTH = 20;
  private static final int DECIMAL_ID_LENGTH = 19;

  private final SecureRandom random = new SecureRandom();

  /** An authorization code: {@code code_} and 48 letters or digits. */
  String code() {
    return "code_" + alphanumeric(CODE_LENGTH);
  }

  /** A user access token: {@code czu_} and 64 letters or digits. */
  String userAccessToken() {
    return "czu_" + alphanumeric(ACCESS_TOKEN_LENGTH);
  }

  /** A service (JWT) access token: {@code czs_} and 64 letters or digits. */
  String serviceAccessToken() {
    return "czs_" + alphanumeric(ACCESS_TOKEN_LENGTH);
  }

  /** A device code: 40 letters or digits, like §3.8's example. */
  String deviceCode() {
    return alphanumeric(DEVICE_CODE_LENGTH);
  }

  /** A user code a person can type: two groups of four consonants, like {@code WDJB-MJHT}. */
  String userCode() {
    StringBuilder code = new StringBuilder();
    for (int i = 0; i < 2 * USER_CODE_HALF; i++) {
      if (i == USER_CODE_HALF) {
        code.append('-');
      }
      code.append(USER_CODE_LETTERS[random.nextInt(USER_CODE_LETTERS.length)]);
    }
    return code.toString();
  }

  /** An opaque refresh token of 68 letters or digits. */
  String refreshToken() {
    return alphanumeric(REFRESH_TOKEN_LENGTH);
  }

  /** The key that ties the consent page to a pending authorize request. */
  String authorizeKey() {
    return alphanumeric(AUTHORIZE_KEY_LENGTH);
  }

  /**
   * A Coze-style decimal id (workflow run, event): 19 digits starting with 7, like {@code
   * 7431040978805851234}.
   */
  String decimalId() {
    StringBuilder id = new StringBuilder("7");
    for (int i = 1; i < DECIMAL_ID_LENGTH; i++) {
      id.append((char) ('0' + random.nextInt(10)));
    }
    return id.toString();
  }

  /** A log id: {@code yyyyMMddHHmmss} (UTC) then 20 upper-case hex digits. */
  String logId(Instant now) {
    StringBuilder id = new StringBuilder(LOG_ID_TIME.format(now));
    for (int i = 0; i < LOG_ID_HEX_LENGTH; i++) {
      id.append(UPPER_HEX[random.nextInt(UPPER_HEX.length)]);
    }
    return id.toString();
  }

  private String alphanumeric(int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = ALPHANUMERIC[random.nextInt(ALPHANUMERIC.length)];
    }
    return new String(chars);
  }
}
