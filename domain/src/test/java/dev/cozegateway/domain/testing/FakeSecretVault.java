package dev.cozegateway.domain.testing;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.port.SecretVault;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A {@link SecretVault} for tests: not encryption, but it keeps the contract that matters to
 * callers — a value opens only with the context it was sealed with, and the plaintext does not
 * appear verbatim in the sealed bytes. Thread-safe.
 */
public final class FakeSecretVault implements SecretVault {
  private static final byte MASK = 0x5A;

  @Override
  public SealedSecret seal(byte[] plaintext, String context) {
    byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(4 + ctx.length + plaintext.length);
    out.putInt(ctx.length).put(ctx);
    for (byte b : plaintext) {
      out.put((byte) (b ^ MASK));
    }
    return SealedSecret.of(out.array());
  }

  @Override
  public byte[] open(SealedSecret sealed, String context) {
    ByteBuffer in = ByteBuffer.wrap(sealed.bytes());
    byte[] ctx = new byte[in.getInt()];
    in.get(ctx);
    if (!Arrays.equals(ctx, context.getBytes(StandardCharsets.UTF_8))) {
      throw new GatewayException.Internal(Reason.DATA_CORRUPT, "sealed for another context", null);
    }
    byte[] plain = new byte[in.remaining()];
    in.get(plain);
    for (int i = 0; i < plain.length; i++) {
      plain[i] ^= MASK;
    }
    return plain;
  }
}
