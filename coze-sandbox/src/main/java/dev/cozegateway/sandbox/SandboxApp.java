package dev.cozegateway.sandbox;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * An OAuth app registered in the sandbox, as a developer would register it in the Coze console.
 *
 * <p>Four app types (§3.1): {@value #WEB} (a confidential web backend app that authenticates with
 * its client secret), {@value #PKCE} (a public mobile, desktop or single-page app with no secret),
 * {@value #DEVICE} (a public TV, device or CLI app using the device-code flow) and {@value #JWT} (a
 * service app that signs JWTs with an RSA private key whose public half is registered here under a
 * key id). Real client ids are 32 digits followed by {@code .app.coze}; the sandbox does not insist
 * on that so tests can use readable ids.
 *
 * <p>Apps belong to a region (§1, §5.1): an app registered for {@code coze.cn} does not exist on a
 * sandbox presenting itself as {@code coze.com}, and vice versa. A {@code null} region means "the
 * sandbox's region, whichever it is", which suits tests that do not care.
 *
 * @param clientId the app's client id, unique within a sandbox
 * @param type {@value #WEB}, {@value #PKCE}, {@value #DEVICE} or {@value #JWT}
 * @param clientSecret the secret a {@value #WEB} app sends as {@code Authorization: Bearer}; {@code
 *     null} for every other type
 * @param redirectUris the registered redirect URIs: 1 to 3 (Coze's limit) absolute URIs for {@value
 *     #WEB} and {@value #PKCE}, of which an authorize request must name one exactly; empty for
 *     {@value #DEVICE} and {@value #JWT}, which never see a browser redirect
 * @param publicKey the RSA public key that verifies a {@value #JWT} app's tokens; {@code null} for
 *     every other type
 * @param keyId the {@code kid} (the console's "public key id", a fingerprint) under which {@code
 *     publicKey} is registered; {@code null} for every type but {@value #JWT}
 * @param region {@value SandboxConfig#COZE_COM}, {@value SandboxConfig#COZE_CN}, or {@code null}
 *     for whichever region the sandbox presents
 */
public record SandboxApp(
    String clientId,
    String type,
    String clientSecret,
    List<String> redirectUris,
    PublicKey publicKey,
    String keyId,
    String region) {
  /** A confidential web backend app: authorization code, client secret as bearer. */
  public static final String WEB = "web";

  /** A public app: authorization code with PKCE, no client secret. */
  public static final String PKCE = "pkce";

  /** A public TV, device or command-line app: device code (§3.8), no client secret. */
  public static final String DEVICE = "device";

  /** A service app: JWT bearer (§3.7), an RSA key pair instead of a secret, no refresh tokens. */
  public static final String JWT = "jwt";

  /** Coze accepts at most this many redirect URIs per app (§5). */
  static final int MAX_REDIRECT_URIS = 3;

  public SandboxApp {
    requireText(clientId, "clientId");
    Objects.requireNonNull(type, "type");
    redirectUris = List.copyOf(Objects.requireNonNull(redirectUris, "redirectUris"));
    switch (type) {
      case WEB -> {
        requireText(clientSecret, "clientSecret (a web app needs one)");
        requireRedirectUris(redirectUris);
        requireNoKey(type, publicKey, keyId);
      }
      case PKCE -> {
        requireNoSecret(type, clientSecret);
        requireRedirectUris(redirectUris);
        requireNoKey(type, publicKey, keyId);
      }
      case DEVICE -> {
        requireNoSecret(type, clientSecret);
        requireNoRedirectUris(type, redirectUris);
        requireNoKey(type, publicKey, keyId);
      }
      case JWT -> {
        requireNoSecret(type, clientSecret);
        requireNoRedirectUris(type, redirectUris);
        Objects.requireNonNull(publicKey, "publicKey (a jwt app needs one)");
        if (!(publicKey instanceof RSAPublicKey)) {
          throw new IllegalArgumentException(
              "a jwt app needs an RSA public key, got " + publicKey.getAlgorithm());
        }
        requireText(keyId, "keyId (a jwt app needs one)");
      }
      default ->
          throw new IllegalArgumentException(
              "unknown app type '"
                  + type
                  + "': expected "
                  + String.join(", ", WEB, PKCE, DEVICE, JWT));
    }
    if (region != null && !SandboxConfig.REGIONS.contains(region)) {
      throw new IllegalArgumentException(
          "unknown region '" + region + "': expected one of " + SandboxConfig.REGIONS);
    }
  }

  /** A {@value #WEB} or {@value #PKCE} app in whichever region the sandbox presents. */
  public SandboxApp(String clientId, String type, String clientSecret, List<String> redirectUris) {
    this(clientId, type, clientSecret, redirectUris, null, null, null);
  }

  /** A confidential web backend app. */
  public static SandboxApp web(String clientId, String clientSecret, String... redirectUris) {
    return new SandboxApp(clientId, WEB, clientSecret, List.of(redirectUris));
  }

  /** A public app that uses PKCE and has no secret. */
  public static SandboxApp pkce(String clientId, String... redirectUris) {
    return new SandboxApp(clientId, PKCE, null, List.of(redirectUris));
  }

  /** A public device-code app: no secret, no redirect URIs. */
  public static SandboxApp device(String clientId) {
    return new SandboxApp(clientId, DEVICE, null, List.of(), null, null, null);
  }

  /** A JWT service app whose JWTs carry {@code kid} = {@code keyId} and verify with {@code key}. */
  public static SandboxApp jwt(String clientId, String keyId, PublicKey key) {
    return new SandboxApp(clientId, JWT, null, List.of(), key, keyId, null);
  }

  /**
   * A JWT service app with its public key as PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509
   * SubjectPublicKeyInfo, as {@code openssl pkey -pubout} writes it).
   *
   * @throws IllegalArgumentException if the text is not such a PEM RSA public key
   */
  public static SandboxApp jwt(String clientId, String keyId, String publicKeyPem) {
    Objects.requireNonNull(publicKeyPem, "publicKeyPem");
    String base64 =
        publicKeyPem
            .replace("-----BEGIN PUBLIC KEY-----", "")
            .replace("-----END PUBLIC KEY-----", "")
            .replaceAll("\\s", "");
    if (base64.contains("-----")) {
      throw new IllegalArgumentException("expected a '-----BEGIN PUBLIC KEY-----' PEM block");
    }
    byte[] der;
    try {
      der = Base64.getDecoder().decode(base64.getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the public key PEM is not valid base64", e);
    }
    return jwt(clientId, keyId, der);
  }

  /**
   * A JWT service app with its public key as X.509 SubjectPublicKeyInfo DER bytes.
   *
   * @throws IllegalArgumentException if the bytes are not an RSA public key
   */
  public static SandboxApp jwt(String clientId, String keyId, byte[] publicKeyDer) {
    Objects.requireNonNull(publicKeyDer, "publicKeyDer");
    try {
      PublicKey key =
          KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(publicKeyDer));
      return jwt(clientId, keyId, key);
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException("not an X.509 RSA public key", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK ships RSA", e);
    }
  }

  /**
   * This app registered in {@code newRegion} only ({@value SandboxConfig#COZE_COM} or {@value
   * SandboxConfig#COZE_CN}); {@code null} for whichever region the sandbox presents.
   */
  public SandboxApp inRegion(String newRegion) {
    return new SandboxApp(clientId, type, clientSecret, redirectUris, publicKey, keyId, newRegion);
  }

  /** Whether token requests for this app must carry its client secret. */
  boolean confidential() {
    return WEB.equals(type);
  }

  /** Whether a sandbox presenting {@code sandboxRegion} knows this app. */
  boolean registeredIn(String sandboxRegion) {
    return region == null || region.equals(sandboxRegion);
  }

  @Override
  public String toString() {
    // Records print every component; the secret must not reach logs or test reports.
    return "SandboxApp[clientId="
        + clientId
        + ", type="
        + type
        + ", clientSecret="
        + (clientSecret == null ? "null" : "***")
        + ", redirectUris="
        + redirectUris
        + ", keyId="
        + keyId
        + ", region="
        + region
        + "]";
  }

  private static void requireRedirectUris(List<String> redirectUris) {
    if (redirectUris.isEmpty() || redirectUris.size() > MAX_REDIRECT_URIS) {
      throw new IllegalArgumentException(
          "an app needs 1 to " + MAX_REDIRECT_URIS + " redirect URIs, got " + redirectUris.size());
    }
    for (String uri : redirectUris) {
      if (!URI.create(uri).isAbsolute()) {
        throw new IllegalArgumentException("redirect URI is not absolute: " + uri);
      }
    }
  }

  private static void requireNoRedirectUris(String type, List<String> redirectUris) {
    if (!redirectUris.isEmpty()) {
      throw new IllegalArgumentException("a " + type + " app has no redirect URIs");
    }
  }

  private static void requireNoSecret(String type, String clientSecret) {
    if (clientSecret != null) {
      throw new IllegalArgumentException("a " + type + " app has no client secret");
    }
  }

  private static void requireNoKey(String type, PublicKey publicKey, String keyId) {
    if (publicKey != null || keyId != null) {
      throw new IllegalArgumentException("a " + type + " app has no public key or key id");
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
