package dev.cozegateway.application;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.Reason;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.TokenSet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * The plaintext layouts the vault seals: a connection's {@link TokenSet}, a browser authorization's
 * verifier and state, and a device authorization's device code. Versioned so that the layout can
 * change without a migration.
 */
final class SecretCodec {
  private static final byte TOKENS_V1 = 1;

  /** Verifier and state; written before workspace-scoped authorize URIs, read as no workspace. */
  private static final byte AUTHORIZATION_V1 = 1;

  private static final byte DEVICE_CODE_V1 = 2;

  /** Verifier, state and workspace id (empty for none). */
  private static final byte AUTHORIZATION_V2 = 3;

  private SecretCodec() {}

  static byte[] encodeTokens(TokenSet tokens) {
    return write(
        out -> {
          out.writeByte(TOKENS_V1);
          out.writeUTF(tokens.accessToken().reveal());
          out.writeLong(tokens.accessTokenExpireTime().getEpochSecond());
          out.writeUTF(tokens.refreshToken().reveal());
        });
  }

  static TokenSet decodeTokens(byte[] bytes) {
    return read(
        bytes,
        in -> {
          expectVersion(in, TOKENS_V1);
          Secret access = Secret.of(in.readUTF());
          Instant expire = Instant.ofEpochSecond(in.readLong());
          Secret refresh = Secret.of(in.readUTF());
          return new TokenSet(access, expire, refresh);
        });
  }

  /**
   * What a browser authorization keeps sealed: what its authorize URI is rebuilt from.
   *
   * @param codeVerifier the PKCE verifier
   * @param state the OAuth state
   * @param workspaceId the Coze workspace of a workspace-scoped authorize URI, or empty
   */
  record AuthorizationSecrets(Secret codeVerifier, Secret state, String workspaceId) {
    AuthorizationSecrets {
      Objects.requireNonNull(workspaceId, "workspaceId");
    }
  }

  static byte[] encodeAuthorization(AuthorizationSecrets secrets) {
    return write(
        out -> {
          out.writeByte(AUTHORIZATION_V2);
          out.writeUTF(secrets.codeVerifier().reveal());
          out.writeUTF(secrets.state().reveal());
          out.writeUTF(secrets.workspaceId());
        });
  }

  static AuthorizationSecrets decodeAuthorization(byte[] bytes) {
    return read(
        bytes,
        in -> {
          byte version = in.readByte();
          if (version != AUTHORIZATION_V1 && version != AUTHORIZATION_V2) {
            throw unknownLayout(version);
          }
          Secret verifier = Secret.of(in.readUTF());
          Secret state = Secret.of(in.readUTF());
          // Sealed before workspaces could be asked for: the plain authorize URI.
          String workspaceId = version == AUTHORIZATION_V2 ? in.readUTF() : "";
          return new AuthorizationSecrets(verifier, state, workspaceId);
        });
  }

  /** A device authorization's sealed secret: the device code it polls with. */
  static byte[] encodeDeviceCode(Secret deviceCode) {
    return write(
        out -> {
          out.writeByte(DEVICE_CODE_V1);
          out.writeUTF(deviceCode.reveal());
        });
  }

  static Secret decodeDeviceCode(byte[] bytes) {
    return read(
        bytes,
        in -> {
          expectVersion(in, DEVICE_CODE_V1);
          return Secret.of(in.readUTF());
        });
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] write(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
    return bytes.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return reader.read(in);
    } catch (IOException e) {
      throw new GatewayException.Internal(Reason.DATA_CORRUPT, "sealed record is truncated", null);
    }
  }

  private static void expectVersion(DataInputStream in, byte expected) throws IOException {
    byte version = in.readByte();
    if (version != expected) {
      throw unknownLayout(version);
    }
  }

  private static GatewayException.Internal unknownLayout(byte version) {
    return new GatewayException.Internal(
        Reason.DATA_CORRUPT, "unknown sealed record layout " + version, null);
  }
}
