package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.port.SecretVault;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A {@link SecretVault} for tests: not encryption, but it keeps the contract that matters to
 * callers — a value opens only with the context it was sealed with, tampered bytes fail to open,
 * and the plaintext does not appear verbatim in the sealed bytes. Deterministic, so that tests are
 * repeatable. Thread-safe.
 *
 * <p>Layout: context length (4 bytes), context, masked plaintext, then a SHA-256 checksum of all
 * that, which stands in for a real vault's authentication tag.
 */
public final class FakeSecretVault implements SecretVault {
  private static final byte MASK = 0x5A;
  private static final int CHECKSUM_LENGTH = 32;

  // Stands in for the key ring: which "key" new seals use; every older one still opens.
  private volatile int primaryKey = 1;

  /** Makes a new key the primary, as adding one to the ring does. */
  public void rotatePrimaryKey() {
    primaryKey++;
  }

  @Override
  public boolean isSealedWithPrimaryKey(SealedSecret sealed) {
    byte[] bytes = sealed.bytes();
    return bytes.length >= 4 && ByteBuffer.wrap(bytes).getInt() == primaryKey;
  }

  @Override
  public SealedSecret seal(byte[] plaintext, String context) {
    byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(8 + ctx.length + plaintext.length);
    body.putInt(primaryKey).putInt(ctx.length).put(ctx);
    for (byte b : plaintext) {
      body.put((byte) (b ^ MASK));
    }
    byte[] checksum = sha256(body.array());
    return SealedSecret.of(
        ByteBuffer.allocate(body.capacity() + CHECKSUM_LENGTH)
            .put(body.array())
            .put(checksum)
            .array());
  }

  @Override
  public byte[] open(SealedSecret sealed, String context) {
    byte[] bytes = sealed.bytes();
    if (bytes.length < 8 + CHECKSUM_LENGTH) {
      throw corrupt("sealed value is truncated");
    }
    byte[] body = Arrays.copyOf(bytes, bytes.length - CHECKSUM_LENGTH);
    byte[] checksum = Arrays.copyOfRange(bytes, body.length, bytes.length);
    if (!MessageDigest.isEqual(sha256(body), checksum)) {
      throw corrupt("sealed value was tampered with");
    }
    ByteBuffer in = ByteBuffer.wrap(body);
    in.getInt(); // the key it was sealed with: every key opens
    int ctxLength = in.getInt();
    if (ctxLength < 0 || ctxLength > in.remaining()) {
      throw corrupt("sealed value is malformed");
    }
    byte[] ctx = new byte[ctxLength];
    in.get(ctx);
    if (!Arrays.equals(ctx, context.getBytes(StandardCharsets.UTF_8))) {
      throw corrupt("sealed for another context");
    }
    byte[] plain = new byte[in.remaining()];
    in.get(plain);
    for (int i = 0; i < plain.length; i++) {
      plain[i] ^= MASK;
    }
    return plain;
  }

  private static GatewayException corrupt(String message) {
    return new GatewayException.Internal(Reason.DATA_CORRUPT, message, null);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
