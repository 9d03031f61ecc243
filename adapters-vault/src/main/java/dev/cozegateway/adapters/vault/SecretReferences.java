package dev.cozegateway.adapters.vault;

import dev.cozegateway.domain.GatewayException;
import dev.cozegateway.domain.SealedSecret;
import dev.cozegateway.domain.Secret;
import dev.cozegateway.domain.port.SecretVault;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where configured client secrets come from. The configuration holds a reference, never the secret:
 *
 * <ul>
 *   <li>{@code enc:<base64>}: the secret sealed by the vault with context {@value
 *       #CLIENT_SECRET_CONTEXT} (see {@link #seal});
 *   <li>{@code env:NAME}: the value of an environment variable;
 *   <li>{@code file:/path}: the content of a file, without its trailing newline.
 * </ul>
 *
 * <p>Error messages name the reference's form, variable or file, and never the secret.
 */
public final class SecretReferences {
  /** The associated data client secrets are sealed with. */
  public static final String CLIENT_SECRET_CONTEXT = "client-secret";

  private static final String ENC = "enc:";
  private static final String ENV = "env:";
  private static final String FILE = "file:";
  private static final String ALLOWED =
      "use enc:<sealed base64> (made by the seal command), env:VARIABLE or file:/path";

  private SecretReferences() {}

  /**
   * Resolves a reference to the secret it names.
   *
   * @param ref the reference, e.g. {@code env:COZE_CLIENT_SECRET}
   * @param env the environment to read {@code env:} references from
   * @param vault opens {@code enc:} references
   * @throws IllegalArgumentException if the reference is a plain value or of an unknown form, or
   *     names a missing variable or file, or an {@code enc:} value that does not open
   */
  public static Secret resolve(String ref, Map<String, String> env, SecretVault vault) {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(vault, "vault");
    if (ref == null || ref.isBlank()) {
      throw new IllegalArgumentException("no secret reference given; " + ALLOWED);
    }
    String value;
    if (ref.startsWith(ENC)) {
      value = openSealed(ref.substring(ENC.length()).strip(), vault);
    } else if (ref.startsWith(ENV)) {
      value = readVariable(ref.substring(ENV.length()), env);
    } else if (ref.startsWith(FILE)) {
      value = readFile(ref.substring(FILE.length()));
    } else {
      // Whatever this is, it may be the secret itself: never repeat it.
      throw new IllegalArgumentException("plain secrets are not allowed in config; " + ALLOWED);
    }
    return Secret.of(value);
  }

  /** Seals a client secret for the config: returns {@code enc:<base64>}. */
  public static String seal(SecretVault vault, String plaintext) {
    Objects.requireNonNull(vault, "vault");
    Objects.requireNonNull(plaintext, "plaintext");
    if (plaintext.isEmpty()) {
      throw new IllegalArgumentException("nothing to seal: the secret is empty");
    }
    SealedSecret sealed =
        vault.seal(plaintext.getBytes(StandardCharsets.UTF_8), CLIENT_SECRET_CONTEXT);
    return ENC + sealed.toBase64();
  }

  private static String openSealed(String base64, SecretVault vault) {
    SealedSecret sealed;
    try {
      sealed = SealedSecret.fromBase64(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the enc: value is not valid base64");
    }
    byte[] plaintext;
    try {
      plaintext = vault.open(sealed, CLIENT_SECRET_CONTEXT);
    } catch (GatewayException.Internal e) {
      throw new IllegalArgumentException(
          "the enc: value does not open with the configured key ring: it was sealed under a key"
              + " that is not in the ring, or was damaged",
          e);
    }
    return requireNotEmpty(new String(plaintext, StandardCharsets.UTF_8), "the enc: value");
  }

  private static String readVariable(String name, Map<String, String> env) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("env: needs a variable name, e.g. env:COZE_CLIENT_SECRET");
    }
    String value = env.get(name);
    if (value == null) {
      throw new IllegalArgumentException("environment variable " + name + " is not set");
    }
    return requireNotEmpty(value, "environment variable " + name);
  }

  private static String readFile(String location) {
    if (location.isEmpty()) {
      throw new IllegalArgumentException("file: needs a path, e.g. file:/run/secrets/coze");
    }
    Path path;
    try {
      path = Path.of(location);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("secret file path " + location + " is not a valid path");
    }
    String content;
    try {
      content = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("secret file " + path + " does not exist");
    } catch (IOException e) {
      // Only the exception's kind: its message could quote what was read.
      throw new IllegalArgumentException(
          "secret file " + path + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    return requireNotEmpty(stripTrailingNewlines(content), "secret file " + path);
  }

  private static String stripTrailingNewlines(String text) {
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
      end--;
    }
    return text.substring(0, end);
  }

  private static String requireNotEmpty(String value, String what) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException(what + " is empty");
    }
    return value;
  }
}
