package dev.cozegateway.adapters.vault;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.port.SecretVault;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-256-GCM with BouncyCastle's lightweight API (no JCA provider to register).
 *
 * <p>Sealed layout, version 1:
 *
 * <pre>
 * version (1 byte) | key-id length (1 byte) | key id (UTF-8) | nonce (12 bytes) | ciphertext+tag (16)
 * </pre>
 *
 * The associated data is the header (version, key-id length, key id) followed by the context's
 * UTF-8 bytes, so neither the context nor the header can be changed without the tag failing. Each
 * seal draws a fresh 96-bit nonce from {@link SecureRandom}. Thread-safe: a cipher is made per
 * call.
 */
final class AesGcmSecretVault implements SecretVault {
  static final byte FORMAT_V1 = 1;
  static final int NONCE_LENGTH = 12;
  static final int TAG_LENGTH = 16;

  private final KeyRing keys;
  private final SecureRandom random;

  AesGcmSecretVault(KeyRing keys, SecureRandom random) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public SealedSecret seal(byte[] plaintext, String context) {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(context, "context");
    String keyId = keys.primaryKeyId();
    byte[] header = header(keyId);
    byte[] nonce = new byte[NONCE_LENGTH];
    random.nextBytes(nonce);
    GCMModeCipher cipher = cipher(true, keys.key(keyId), nonce, header, context);

    int offset = header.length + NONCE_LENGTH;
    byte[] sealed = new byte[offset + cipher.getOutputSize(plaintext.length)];
    System.arraycopy(header, 0, sealed, 0, header.length);
    System.arraycopy(nonce, 0, sealed, header.length, NONCE_LENGTH);
    int written = cipher.processBytes(plaintext, 0, plaintext.length, sealed, offset);
    try {
      written += cipher.doFinal(sealed, offset + written);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("AES-GCM encryption cannot fail", e);
    }
    return SealedSecret.of(Arrays.copyOf(sealed, offset + written));
  }

  @Override
  public byte[] open(SealedSecret sealed, String context) {
    Objects.requireNonNull(sealed, "sealed");
    Objects.requireNonNull(context, "context");
    byte[] in = sealed.bytes();
    if (in.length < 2) {
      throw corrupt("sealed value is truncated");
    }
    if (in[0] != FORMAT_V1) {
      throw corrupt("sealed value has unknown format version " + (in[0] & 0xff));
    }
    int idLength = in[1] & 0xff;
    int headerLength = 2 + idLength;
    if (idLength == 0 || in.length < headerLength + NONCE_LENGTH + TAG_LENGTH) {
      throw corrupt("sealed value is truncated");
    }
    String keyId = new String(in, 2, idLength, StandardCharsets.UTF_8);
    byte[] key = keys.key(keyId);
    if (key == null) {
      throw corrupt(
          "sealed value names "
              + (KeyRing.isValidKeyId(keyId) ? "key id '" + keyId + "'" : "an unreadable key id")
              + ", which is not in the key ring");
    }
    byte[] header = Arrays.copyOf(in, headerLength);
    byte[] nonce = Arrays.copyOfRange(in, headerLength, headerLength + NONCE_LENGTH);
    GCMModeCipher cipher = cipher(false, key, nonce, header, context);

    int offset = headerLength + NONCE_LENGTH;
    int length = in.length - offset;
    byte[] plaintext = new byte[cipher.getOutputSize(length)];
    try {
      int written = cipher.processBytes(in, offset, length, plaintext, 0);
      written += cipher.doFinal(plaintext, written);
      return written == plaintext.length ? plaintext : Arrays.copyOf(plaintext, written);
    } catch (InvalidCipherTextException e) {
      // GCM may already have written unauthenticated plaintext: wipe it.
      Arrays.fill(plaintext, (byte) 0);
      throw corrupt(
          "sealed value failed its integrity check: it was changed, sealed for another"
              + " context, or sealed under another key with id '"
              + keyId
              + "'");
    }
  }

  @Override
  public boolean isSealedWithPrimaryKey(SealedSecret sealed) {
    byte[] in = sealed.bytes();
    if (in.length < 2 || in[0] != FORMAT_V1 || in.length < 2 + (in[1] & 0xff)) {
      return false;
    }
    return keys.primaryKeyId().equals(new String(in, 2, in[1] & 0xff, StandardCharsets.UTF_8));
  }

  private static byte[] header(String keyId) {
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    byte[] header = new byte[2 + id.length];
    header[0] = FORMAT_V1;
    header[1] = (byte) id.length;
    System.arraycopy(id, 0, header, 2, id.length);
    return header;
  }

  private static GCMModeCipher cipher(
      boolean encrypt, byte[] key, byte[] nonce, byte[] header, String context) {
    byte[] contextBytes = context.getBytes(StandardCharsets.UTF_8);
    byte[] associatedData = Arrays.copyOf(header, header.length + contextBytes.length);
    System.arraycopy(contextBytes, 0, associatedData, header.length, contextBytes.length);
    GCMModeCipher cipher = GCMBlockCipher.newInstance(AESEngine.newInstance());
    cipher.init(
        encrypt, new AEADParameters(new KeyParameter(key), TAG_LENGTH * 8, nonce, associatedData));
    Arrays.fill(key, (byte) 0); // our copy; KeyParameter keeps its own
    return cipher;
  }

  private static GatewayException corrupt(String message) {
    return new GatewayException.Internal(Reason.DATA_CORRUPT, message, null);
  }
}
