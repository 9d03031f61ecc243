package dev.cozegateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer} (§3.7), on {@code /token}, {@code
 * /account/{id}/token} and {@code /enterprise_id/{id}/token} alike.
 *
 * <p>The body is read first ({@code duration_seconds} default 900, 1 to 86399; {@code scope} an
 * object or null; {@code client_id} optional but, when sent, the JWT's {@code iss}). Then the JWT
 * from {@code Authorization: Bearer}: {@code alg} RS256, {@code typ} JWT if present, {@code kid}
 * registered for a JWT app in this sandbox's region (else 401 {@code invalid jwt: kid not been
 * registred}, §5.1), the RS256 signature, {@code iss} = that app's client id, {@code aud} one of
 * {@link #audiences}, {@code iat} and {@code exp} present with {@code exp} after {@code iat}, not
 * expired and {@code iat} not in the future beyond {@link #CLOCK_SKEW} on the sandbox clock, and a
 * {@code jti}. Every failure so far is 401 {@code invalid_client}. Last, the {@code jti} is spent:
 * one seen before (per app) is 400 {@code invalid_request}. The token lives {@code
 * duration_seconds}, whatever the JWT's {@code exp} (Python signs {@code exp = iat + 3600} for any
 * lifetime), and comes without a refresh token.
 */
final class JwtBearerGrant implements Grant {
  static final String TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

  /** Coze's default token lifetime for a JWT grant. */
  static final long DEFAULT_DURATION_SECONDS = 900;

  /** Coze's maximum {@code duration_seconds}. */
  static final long MAX_DURATION_SECONDS = 86_399;

  /** How far {@code exp} may lie in the past and {@code iat} in the future (§7: small skew). */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

  private final Map<String, SandboxApp> appsByKeyId;
  private final Set<String> audiences;
  private final SandboxClock clock;
  private final IssuedTokens tokens;
  private final ObjectMapper json;

  /** Spent {@code jti}s per app, with the JWT's expiry, after which the entry may go. */
  private final Map<String, Instant> spentJtis = new ConcurrentHashMap<>();

  private final List<JwtTokenInfo> issued = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong mints = new AtomicLong();
  private final AtomicLong rejections = new AtomicLong();
  private final AtomicLong jtiRejections = new AtomicLong();

  /**
   * @param appsByKeyId the JWT apps registered in this sandbox's region, by {@code kid}
   * @param audiences every {@code aud} that names this sandbox
   */
  JwtBearerGrant(
      Map<String, SandboxApp> appsByKeyId,
      Set<String> audiences,
      SandboxClock clock,
      IssuedTokens tokens,
      ObjectMapper json) {
    this.appsByKeyId = appsByKeyId;
    this.audiences = audiences;
    this.clock = clock;
    this.tokens = tokens;
    this.json = json;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public IssuedTokens.Issued grant(TokenRequest request) throws OAuthException {
    try {
      return decide(request);
    } catch (OAuthException e) {
      rejections.incrementAndGet();
      throw e;
    }
  }

  JwtStats stats() {
    return new JwtStats(mints.get(), rejections.get(), jtiRejections.get());
  }

  /** Every token issued for a JWT, oldest first. */
  List<JwtTokenInfo> issued() {
    synchronized (issued) {
      return List.copyOf(issued);
    }
  }

  private IssuedTokens.Issued decide(TokenRequest request) throws OAuthException {
    // The body first: a malformed request must not spend the JWT's jti.
    long durationSeconds = durationSeconds(request.body().get("duration_seconds"));
    JsonNode scope = request.body().get("scope");
    if (scope != null && !scope.isNull() && !scope.isObject()) {
      throw OAuthException.invalidRequest("scope");
    }
    String clientId = request.optionalText("client_id");

    String[] parts = jwtParts(request.authorization());
    JsonNode header = decodeJson(parts[0]);
    JsonNode claims = decodeJson(parts[1]);
    if (!"RS256".equals(header.path("alg").asText(null))) {
      throw OAuthException.invalidJwt("alg must be RS256");
    }
    if (header.has("typ") && !"JWT".equalsIgnoreCase(header.path("typ").asText(""))) {
      throw OAuthException.invalidJwt("typ must be JWT");
    }
    JsonNode kid = header.get("kid");
    SandboxApp app = kid == null || !kid.isTextual() ? null : appsByKeyId.get(kid.textValue());
    if (app == null) {
      // Coze's words, misspelling included (§3.9); also what a key of the other region gets.
      throw OAuthException.invalidJwt("kid not been registred");
    }
    if (!verifies(app, parts)) {
      throw OAuthException.invalidJwt("signature verification failed");
    }
    if (!app.clientId().equals(claims.path("iss").asText(null))) {
      throw OAuthException.invalidJwt("iss must be the client id of the app that owns the kid");
    }
    if (clientId != null && !clientId.equals(app.clientId())) {
      throw OAuthException.invalidClient("invalid client: client_id does not match the jwt's iss");
    }
    if (!audienceMatches(claims.get("aud"))) {
      throw OAuthException.invalidJwt("aud must be the API host, one of " + audiences);
    }
    Instant now = clock.instant();
    long iat = epochSeconds(claims, "iat");
    long exp = epochSeconds(claims, "exp");
    if (exp <= iat) {
      throw OAuthException.invalidJwt("exp must be after iat");
    }
    if (!now.isBefore(Instant.ofEpochSecond(exp).plus(CLOCK_SKEW))) {
      throw OAuthException.invalidJwt("jwt has expired");
    }
    if (Instant.ofEpochSecond(iat).isAfter(now.plus(CLOCK_SKEW))) {
      throw OAuthException.invalidJwt("iat is in the future");
    }
    JsonNode jti = claims.get("jti");
    if (jti == null || !jti.isTextual() || jti.textValue().isEmpty()) {
      throw OAuthException.invalidJwt("jti is missing");
    }
    JsonNode session = claims.get("session_name");
    if (session != null && !session.isNull() && !session.isTextual()) {
      throw OAuthException.invalidJwt("session_name must be a string");
    }
    String sessionName = session == null || session.isNull() ? null : session.textValue();

    spend(app.clientId(), jti.textValue(), Instant.ofEpochSecond(exp).plus(CLOCK_SKEW), now);
    IssuedTokens.Issued token =
        tokens.issueForJwt(app.clientId(), Duration.ofSeconds(durationSeconds));
    mints.incrementAndGet();
    issued.add(
        new JwtTokenInfo(
            token.accessToken(),
            app.clientId(),
            sessionName,
            request.accountId(),
            request.enterpriseId(),
            durationSeconds,
            token.expiresIn()));
    return token;
  }

  private static long durationSeconds(JsonNode value) throws OAuthException {
    if (value == null || value.isNull()) {
      return DEFAULT_DURATION_SECONDS;
    }
    if (!value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.longValue() < 1
        || value.longValue() > MAX_DURATION_SECONDS) {
      throw OAuthException.invalidRequest("duration_seconds");
    }
    return value.longValue();
  }

  /** The three dot-separated parts of the bearer JWT. */
  private static String[] jwtParts(String authorization) throws OAuthException {
    String value = authorization == null ? "" : authorization.strip();
    if (value.toLowerCase(Locale.ROOT).startsWith("bearer")) {
      value = value.substring("bearer".length()).strip();
    } else {
      value = "";
    }
    if (value.isEmpty()) {
      // What JS users see when no JWT arrives (§5.1).
      throw OAuthException.invalidClient("verify jwt empty error");
    }
    String[] parts = value.split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
      throw OAuthException.invalidJwt("not a signed JWT (header.payload.signature)");
    }
    return parts;
  }

  private JsonNode decodeJson(String part) throws OAuthException {
    try {
      JsonNode node = json.readTree(BASE64URL.decode(part));
      if (node == null || !node.isObject()) {
        throw OAuthException.invalidJwt("malformed header or payload");
      }
      return node;
    } catch (IllegalArgumentException | IOException e) {
      throw OAuthException.invalidJwt("malformed header or payload");
    }
  }

  private static boolean verifies(SandboxApp app, String[] parts) {
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initVerify(app.publicKey());
      rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      return rs256.verify(BASE64URL.decode(parts[2]));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return false;
    }
  }

  /** A string, or (RFC 7519 §4.1.3) an array of which one element, naming this sandbox. */
  private boolean audienceMatches(JsonNode aud) {
    if (aud == null) {
      return false;
    }
    if (aud.isTextual()) {
      return audiences.contains(aud.textValue().toLowerCase(Locale.ROOT));
    }
    if (aud.isArray()) {
      for (JsonNode element : aud) {
        if (element.isTextual()
            && audiences.contains(element.textValue().toLowerCase(Locale.ROOT))) {
          return true;
        }
      }
    }
    return false;
  }

  private static long epochSeconds(JsonNode claims, String name) throws OAuthException {
    JsonNode value = claims.get(name);
    if (value == null || !value.isNumber() || !value.canConvertToLong()) {
      throw OAuthException.invalidJwt(name + " must be Unix seconds");
    }
    return value.longValue();
  }

  /** Marks the jti used, atomically: of two racing requests with one JWT, exactly one passes. */
  private void spend(String clientId, String jti, Instant forgetAfter, Instant now)
      throws OAuthException {
    spentJtis.values().removeIf(until -> until.isBefore(now));
    if (spentJtis.putIfAbsent(clientId + '\n' + jti, forgetAfter) != null) {
      jtiRejections.incrementAndGet();
      throw OAuthException.invalidRequest("jti", "a JWT can be used only once");
    }
  }
}
