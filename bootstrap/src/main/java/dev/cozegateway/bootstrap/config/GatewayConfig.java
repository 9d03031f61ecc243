package dev.cozegateway.bootstrap.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cozegateway.application.GetAccessToken;
import dev.cozegateway.application.WorkflowSettings;
import dev.cozegateway.domain.AppType;
import dev.cozegateway.domain.CozeRegion;
import dev.cozegateway.domain.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The gateway's typed configuration, validated as a whole: every problem is reported at once, each
 * naming its key and what is allowed. See the README's configuration reference.
 */
public record GatewayConfig(
    String grpcHost,
    int grpcPort,
    Duration grpcDrainTimeout,
    String httpHost,
    int httpPort,
    StoreType storeType,
    Path dataDir,
    RedisSettings redis,
    Duration storeProbeInterval,
    Secret vaultKeys,
    Path vaultKeyFile,
    String vaultPrimaryKey,
    Duration cozeConnectTimeout,
    Duration cozeRequestTimeout,
    boolean refreshSweepEnabled,
    Duration refreshSweepInterval,
    Duration refreshWindow,
    Duration refreshJitter,
    Duration refreshKeepAliveAge,
    Duration refreshLeaseTtl,
    Duration refreshPersistTimeout,
    Duration cozeRunTimeout,
    Duration cozeStreamIdleTimeout,
    WorkflowSettings workflows,
    Duration workflowSweepInterval,
    List<AppSettings> apps) {

  /** The most the sweep may refresh ahead: the largest minimum lifetime a caller may ask for. */
  private static final Duration MAX_REFRESH_WINDOW = Duration.ofMinutes(10);

  /** Coze refresh tokens die after 30 days; the keep-alive must come before. */
  private static final Duration REFRESH_TOKEN_LIFETIME = Duration.ofDays(30);

  private static final Set<String> SCALAR_KEYS =
      Set.of(
          "grpc.host",
          "grpc.port",
          "grpc.drain-timeout",
          "http.host",
          "http.port",
          "store.type",
          "store.probe-interval",
          "store.redis.mode",
          "store.redis.host",
          "store.redis.sentinel.master-name",
          "store.redis.sentinel.nodes",
          "store.redis.sentinel.user",
          "store.redis.sentinel.password",
          "store.redis.cluster.nodes",
          "store.redis.port",
          "store.redis.user",
          "store.redis.password",
          "store.redis.tls",
          "store.redis.database",
          "store.redis.key-prefix",
          "store.redis.connect-timeout",
          "store.redis.socket-timeout",
          "store.redis.pool-size",
          "store.redis.wait-replicas",
          "store.redis.wait-timeout",
          "store.data-dir",
          "vault.keys",
          "vault.key-file",
          "vault.primary-key",
          "coze.connect-timeout",
          "coze.request-timeout",
          "refresh.sweep-enabled",
          "refresh.sweep-interval",
          "refresh.window",
          "refresh.jitter",
          "refresh.keep-alive-age",
          "refresh.lease-ttl",
          "refresh.persist-timeout",
          "coze.run-timeout",
          "coze.stream-idle-timeout",
          "workflows.sweep-interval",
          "workflows.retention",
          "workflows.sync-timeout",
          "workflows.stream-timeout",
          "workflows.async-timeout",
          "workflows.first-poll",
          "workflows.max-poll-interval");
  private static final Set<String> APP_KEYS =
      Set.of(
          "id",
          "type",
          "region",
          "client-id",
          "client-secret",
          "redirect-uri",
          "allowed-return-uris",
          "private-key",
          "key-id",
          "token-lifetime",
          "account-id",
          "enterprise-id");

  /** Variables with the prefix that are not configuration keys. */
  private static final Set<String> NON_CONFIG_VARIABLES = Set.of("COZE_GATEWAY_LOG_LEVEL");

  private static final Pattern CLIENT_ID = Pattern.compile("[0-9]{8,40}\\.app\\.coze|[0-9]{6,40}");
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

  /** Reads and validates; throws {@link ConfigException} listing every problem. */
  public static GatewayConfig from(ConfigSource source) {
    Reader r = new Reader(source);
    for (String variable : source.env().keySet()) {
      if (variable.startsWith(ConfigSource.ENV_PREFIX)
          && !NON_CONFIG_VARIABLES.contains(variable)
          && SCALAR_KEYS.stream().noneMatch(k -> ConfigSource.envName(k).equals(variable))) {
        r.problems.add(
            variable
                + ": unknown setting (each scalar key has one, e.g. "
                + ConfigSource.envName("grpc.port")
                + " for grpc.port)");
      }
    }
    for (String key : source.fileKeys()) {
      if (!SCALAR_KEYS.contains(key) && !key.equals("apps")) {
        r.problems.add(
            key + ": unknown key (allowed: " + String.join(", ", sorted(SCALAR_KEYS)) + ", apps)");
      }
    }
    String grpcHost = r.string("grpc.host", "127.0.0.1");
    int grpcPort = r.port("grpc.port", 9090);
    Duration drain = r.duration("grpc.drain-timeout", Duration.ofSeconds(25));
    String httpHost = r.string("http.host", "0.0.0.0");
    int httpPort = r.port("http.port", 8080);
    StoreType storeType = StoreType.EMBEDDED;
    String storeText = r.string("store.type", "embedded");
    switch (storeText) {
      case "embedded" -> storeType = StoreType.EMBEDDED;
      case "redis" -> storeType = StoreType.REDIS;
      default ->
          r.problems.add("store.type: must be 'embedded' or 'redis', got '" + storeText + "'");
    }
    Path dataDir = Path.of(r.string("store.data-dir", "data"));
    Duration probeInterval = r.duration("store.probe-interval", Duration.ofSeconds(5));
    RedisSettings redis =
        storeType == StoreType.REDIS
            ? new RedisSettings(
                r.oneOf(
                    "store.redis.mode", "standalone", List.of("standalone", "sentinel", "cluster")),
                r.string("store.redis.host", "127.0.0.1"),
                r.port("store.redis.port", 6379),
                r.string("store.redis.user", ""),
                r.secretRef("store.redis.password"),
                r.bool("store.redis.tls", false),
                r.integer("store.redis.database", 0, 0, 15),
                r.string("store.redis.key-prefix", "cozegw:"),
                r.duration("store.redis.connect-timeout", Duration.ofSeconds(2)),
                r.duration("store.redis.socket-timeout", Duration.ofSeconds(2)),
                r.integer("store.redis.pool-size", 16, 1, 1024),
                r.integer("store.redis.wait-replicas", 0, 0, 5),
                r.duration("store.redis.wait-timeout", Duration.ofSeconds(1)),
                r.string("store.redis.sentinel.master-name", ""),
                r.list("store.redis.sentinel.nodes"),
                r.string("store.redis.sentinel.user", ""),
                r.secretRef("store.redis.sentinel.password"),
                r.list("store.redis.cluster.nodes"))
            : null;
    String vaultKeys = r.string("vault.keys", null);
    String keyFile = r.string("vault.key-file", null);
    String primary = r.string("vault.primary-key", null);
    Duration connect = r.duration("coze.connect-timeout", Duration.ofSeconds(5));
    Duration request = r.duration("coze.request-timeout", Duration.ofSeconds(15));
    if (drain.compareTo(connect.plus(request)) < 0) {
      // A call cut off by the drain may already have had Coze rotate the refresh token; the
      // store must outlive it, so the drain must cover one whole Coze call.
      r.problems.add(
          "grpc.drain-timeout: must be at least coze.connect-timeout + coze.request-timeout ("
              + connect.plus(request).toSeconds()
              + "s), got "
              + drain.toSeconds()
              + "s");
    }
    boolean sweepEnabled = r.bool("refresh.sweep-enabled", true);
    Duration sweepInterval = r.duration("refresh.sweep-interval", Duration.ofSeconds(60));
    Duration refreshWindow = r.duration("refresh.window", Duration.ofMinutes(5));
    if (refreshWindow.compareTo(MAX_REFRESH_WINDOW) > 0) {
      r.problems.add("refresh.window: must be at most 10m, got '" + r.raw("refresh.window") + "'");
    }
    Duration jitter = r.duration("refresh.jitter", Duration.ofSeconds(10));
    Duration keepAliveAge = r.duration("refresh.keep-alive-age", Duration.ofDays(7));
    if (keepAliveAge.compareTo(REFRESH_TOKEN_LIFETIME) >= 0) {
      r.problems.add(
          "refresh.keep-alive-age: must be less than 30d (Coze refresh tokens live 30 days), got '"
              + r.raw("refresh.keep-alive-age")
              + "'");
    }
    // How long a dead replica's refresh lease blocks the others; renewed every third of it.
    Duration leaseTtl = r.duration("refresh.lease-ttl", GetAccessToken.DEFAULT_LEASE_TTL);
    if (leaseTtl.compareTo(GetAccessToken.MIN_LEASE_TTL) < 0
        || leaseTtl.compareTo(GetAccessToken.MAX_LEASE_TTL) > 0) {
      r.problems.add(
          "refresh.lease-ttl: must be between 1s and 60s, got '"
              + r.raw("refresh.lease-ttl")
              + "'");
    }
    // How long a refresh Coze granted keeps trying to store its tokens through a store outage.
    Duration persistTimeout =
        r.duration("refresh.persist-timeout", GetAccessToken.DEFAULT_PERSIST_TIMEOUT);
    if (persistTimeout.compareTo(GetAccessToken.MIN_PERSIST_TIMEOUT) < 0
        || persistTimeout.compareTo(GetAccessToken.MAX_PERSIST_TIMEOUT) > 0) {
      r.problems.add(
          "refresh.persist-timeout: must be between 1s and 5m, got '"
              + r.raw("refresh.persist-timeout")
              + "'");
    }
    Duration runTimeout = r.duration("coze.run-timeout", Duration.ofSeconds(120));
    Duration streamIdle = r.duration("coze.stream-idle-timeout", Duration.ofSeconds(100));
    if (runTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
      r.problems.add(
          "coze.run-timeout: must be at most 10m, got '" + r.raw("coze.run-timeout") + "'");
    }
    if (streamIdle.compareTo(Duration.ofMinutes(10)) > 0) {
      r.problems.add(
          "coze.stream-idle-timeout: must be at most 10m, got '"
              + r.raw("coze.stream-idle-timeout")
              + "'");
    }
    WorkflowSettings defaults = WorkflowSettings.defaults();
    Duration syncTimeout = r.duration("workflows.sync-timeout", defaults.syncTimeout());
    if (syncTimeout.compareTo(runTimeout) <= 0) {
      // A sync run still waiting on Coze must not be failed as abandoned by another replica.
      r.problems.add(
          "workflows.sync-timeout: must be longer than coze.run-timeout ("
              + runTimeout.toSeconds()
              + "s), got "
              + syncTimeout.toSeconds()
              + "s");
    }
    WorkflowSettings workflows =
        new WorkflowSettings(
            syncTimeout,
            r.duration("workflows.stream-timeout", defaults.streamTimeout()),
            r.duration("workflows.async-timeout", defaults.asyncTimeout()),
            r.duration("workflows.first-poll", defaults.firstPoll()),
            r.duration("workflows.max-poll-interval", defaults.maxPollInterval()),
            defaults.pollClaim(),
            r.duration("workflows.retention", defaults.retention()));
    Duration workflowSweep = r.duration("workflows.sweep-interval", Duration.ofSeconds(1));
    List<AppSettings> apps = r.apps();
    r.throwIfAny();
    return new GatewayConfig(
        grpcHost,
        grpcPort,
        drain,
        httpHost,
        httpPort,
        storeType,
        dataDir,
        redis,
        probeInterval,
        vaultKeys == null ? null : Secret.of(vaultKeys),
        keyFile == null ? null : Path.of(keyFile),
        primary,
        connect,
        request,
        sweepEnabled,
        sweepInterval,
        refreshWindow,
        jitter,
        keepAliveAge,
        leaseTtl,
        persistTimeout,
        runTimeout,
        streamIdle,
        workflows,
        workflowSweep,
        apps);
  }

  /** Whether a vault key ring is configured (serve refuses to start without one). */
  public boolean hasVaultKeys() {
    return vaultKeys != null || vaultKeyFile != null;
  }

  private static List<String> sorted(Set<String> keys) {
    return keys.stream().sorted().toList();
  }

  /** Typed reads that collect problems instead of failing on the first. */
  private static final class Reader {
    private final ConfigSource source;
    private final List<String> problems = new ArrayList<>();

    Reader(ConfigSource source) {
      this.source = source;
    }

    /** The value as given, for messages. */
    String raw(String key) {
      return source.scalar(key);
    }

    String string(String key, String fallback) {
      String value = source.scalar(key);
      if (value == null) {
        return fallback;
      }
      if (value.isBlank()) {
        problems.add(key + ": must not be empty");
        return fallback;
      }
      return value.trim();
    }

    int port(String key, int fallback) {
      String value = source.scalar(key);
      if (value == null) {
        return fallback;
      }
      try {
        int port = Integer.parseInt(value.trim());
        if (port >= 0 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      problems.add(
          key + ": must be a port number 0-65535 (0 = any free port), got '" + value + "'");
      return fallback;
    }

    String oneOf(String key, String fallback, List<String> allowed) {
      String value = string(key, fallback);
      if (!allowed.contains(value)) {
        problems.add(
            key + ": must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
        return fallback;
      }
      return value;
    }

    /** A list: a YAML list in the file, or one comma-separated value from the environment. */
    List<String> list(String key) {
      String value = source.scalar(key);
      if (value == null) {
        return List.of();
      }
      List<String> values = new ArrayList<>();
      JsonNode node = source.node(key);
      if (node != null && node.isArray() && value.equals(node.toString())) {
        node.forEach(n -> values.add(n.asText().trim()));
      } else {
        for (String part : value.split(",")) {
          if (!part.isBlank()) {
            values.add(part.trim());
          }
        }
      }
      return values;
    }

    boolean bool(String key, boolean fallback) {
      String value = source.scalar(key);
      if (value == null) {
        return fallback;
      }
      return switch (value.trim()) {
        case "true" -> true;
        case "false" -> false;
        default -> {
          problems.add(key + ": must be true or false, got '" + value + "'");
          yield fallback;
        }
      };
    }

    int integer(String key, int fallback, int min, int max) {
      String value = source.scalar(key);
      if (value == null) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(value.trim());
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      problems.add(key + ": must be a whole number " + min + "-" + max + ", got '" + value + "'");
      return fallback;
    }

    /** A secret given by reference; a plain value is refused without being echoed. */
    String secretRef(String key) {
      String value = source.scalar(key);
      if (value == null || value.isBlank()) {
        return "";
      }
      String ref = value.trim();
      if (!(ref.startsWith("env:") || ref.startsWith("file:") || ref.startsWith("enc:"))) {
        problems.add(
            key
                + ": plain secrets are not allowed in configuration; use env:NAME, file:/path or"
                + " enc:… (from 'coze-gateway seal')");
        return "";
      }
      return ref;
    }

    Duration duration(String key, Duration fallback) {
      String value = source.scalar(key);
      if (value == null) {
        return fallback;
      }
      Duration parsed = parseDuration(value);
      if (parsed == null) {
        problems.add(
            key
                + ": must be a positive duration like 500ms, 30s, 5m, 1h or 7d, got '"
                + value
                + "'");
        return fallback;
      }
      return parsed;
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}; {@code null} otherwise. */
    private static Duration parseDuration(String value) {
      var m = DURATION.matcher(value.trim());
      if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
        return null;
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }

    List<AppSettings> apps() {
      JsonNode node = source.node("apps");
      List<AppSettings> apps = new ArrayList<>();
      if (node == null || node.isNull()) {
        return apps;
      }
      if (!node.isArray()) {
        problems.add("apps: must be a list of apps");
        return apps;
      }
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < node.size(); i++) {
        AppSettings app = app("apps[" + i + "]", node.get(i));
        if (app != null) {
          if (!ids.add(app.id())) {
            problems.add(app.key() + ".id: duplicate app id '" + app.id() + "'");
          }
          apps.add(app);
        }
      }
      return apps;
    }

    private AppSettings app(String key, JsonNode node) {
      if (!node.isObject()) {
        problems.add(key + ": must be a mapping");
        return null;
      }
      int before = problems.size();
      node.fieldNames()
          .forEachRemaining(
              f -> {
                if (!APP_KEYS.contains(f)) {
                  problems.add(
                      key
                          + "."
                          + f
                          + ": unknown key (allowed: "
                          + String.join(", ", sorted(APP_KEYS))
                          + ")");
                }
              });
      String id = text(node, key, "id", true);
      if (id != null && !id.matches("[a-z]([a-z0-9-]{0,61}[a-z0-9])?")) {
        problems.add(
            key
                + ".id: must be 1-63 lower-case letters, digits and hyphens, starting with a letter; got '"
                + id
                + "'");
      }
      AppType type = null;
      String typeText = text(node, key, "type", true);
      if (typeText != null) {
        try {
          type = AppType.valueOf(typeText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          problems.add(
              key + ".type: must be one of web, pkce, device, jwt; got '" + typeText + "'");
        }
      }
      CozeRegion region = null;
      String regionText = text(node, key, "region", true);
      if (regionText != null) {
        if (regionText.equals("coze.com") || regionText.equals("coze.cn")) {
          region = CozeRegion.parse(regionText);
        } else {
          URI base = absoluteHttpUri(regionText);
          if (base == null) {
            problems.add(
                key
                    + ".region: must be coze.com, coze.cn or an absolute http(s) base URL, got '"
                    + regionText
                    + "'");
          } else {
            region = CozeRegion.custom(base);
          }
        }
      }
      String clientId = text(node, key, "client-id", true);
      if (clientId != null && !CLIENT_ID.matcher(clientId).matches()) {
        problems.add(
            key
                + ".client-id: must be a Coze client id (digits, usually ending in .app.coze); got '"
                + clientId
                + "'");
      }
      String secretRef = text(node, key, "client-secret", false);
      if (type == AppType.WEB && secretRef == null) {
        problems.add(
            key
                + ".client-secret: required for web apps (env:NAME, file:/path or enc:… from 'coze-gateway seal')");
      }
      if ((type == AppType.PKCE || type == AppType.DEVICE || type == AppType.JWT)
          && secretRef != null) {
        problems.add(
            key
                + ".client-secret: "
                + typeText
                + " apps are public clients and have no secret; remove it");
      }
      if (secretRef != null
          && !(secretRef.startsWith("env:")
              || secretRef.startsWith("file:")
              || secretRef.startsWith("enc:"))) {
        problems.add(
            key
                + ".client-secret: plain secrets are not allowed in configuration; use env:NAME, file:/path or enc:… (from 'coze-gateway seal')");
      }
      String privateKeyRef = text(node, key, "private-key", type == AppType.JWT);
      String keyId = text(node, key, "key-id", type == AppType.JWT);
      String lifetimeText = text(node, key, "token-lifetime", false);
      Duration tokenLifetime = null;
      if (lifetimeText != null) {
        tokenLifetime = parseDuration(lifetimeText);
        if (tokenLifetime == null
            || tokenLifetime.toSeconds() < 1
            || tokenLifetime.toSeconds() > 86_399) {
          problems.add(
              key
                  + ".token-lifetime: must be a duration from 1s to 86399s (Coze's"
                  + " duration_seconds), got '"
                  + lifetimeText
                  + "'");
        }
      }
      String accountId = text(node, key, "account-id", false);
      String enterpriseId = text(node, key, "enterprise-id", false);
      for (String[] idField :
          new String[][] {{"account-id", accountId}, {"enterprise-id", enterpriseId}}) {
        if (idField[1] != null && !idField[1].matches("[0-9]{1,32}")) {
          problems.add(
              key + "." + idField[0] + ": must be 1 to 32 digits, got '" + idField[1] + "'");
        }
      }
      if (accountId != null && enterpriseId != null) {
        problems.add(key + ": account-id and enterprise-id are mutually exclusive");
      }
      if (type != null
          && type != AppType.JWT
          && (privateKeyRef != null
              || keyId != null
              || lifetimeText != null
              || accountId != null
              || enterpriseId != null)) {
        problems.add(
            key
                + ": private-key, key-id, token-lifetime, account-id and enterprise-id are for jwt"
                + " apps only");
      }
      if (privateKeyRef != null
          && !(privateKeyRef.startsWith("env:")
              || privateKeyRef.startsWith("file:")
              || privateKeyRef.startsWith("enc:"))) {
        problems.add(
            key
                + ".private-key: a key is a secret; use env:NAME, file:/path or enc:… (from"
                + " 'coze-gateway seal'), not the PEM itself");
      }
      // Only the browser flows come back through a redirect.
      String redirectText =
          text(node, key, "redirect-uri", type == null || type.usesAuthorizationCode());
      URI redirect = redirectText == null ? null : uri(key + ".redirect-uri", redirectText);
      List<URI> returns = new ArrayList<>();
      JsonNode list = node.get("allowed-return-uris");
      if (list != null && !list.isNull()) {
        if (!list.isArray()) {
          problems.add(key + ".allowed-return-uris: must be a list of URIs");
        } else {
          for (int i = 0; i < list.size(); i++) {
            URI u = uri(key + ".allowed-return-uris[" + i + "]", list.get(i).asText());
            if (u != null) {
              returns.add(u);
            }
          }
        }
      }
      if (problems.size() > before) {
        return null;
      }
      return new AppSettings(
          key,
          id,
          type,
          region,
          clientId,
          secretRef == null ? "" : secretRef,
          redirect,
          returns,
          privateKeyRef == null ? "" : privateKeyRef,
          keyId == null ? "" : keyId,
          tokenLifetime,
          accountId == null ? "" : accountId,
          enterpriseId == null ? "" : enterpriseId);
    }

    private String text(JsonNode node, String key, String field, boolean required) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull() || value.asText().isBlank()) {
        if (required) {
          problems.add(key + "." + field + ": is required");
        }
        return null;
      }
      if (!value.isValueNode()) {
        problems.add(key + "." + field + ": must be a single value");
        return null;
      }
      return value.asText().trim();
    }

    private URI uri(String key, String text) {
      URI uri = absoluteHttpUri(text);
      if (uri == null) {
        problems.add(key + ": must be an absolute http(s) URI, got '" + text + "'");
      }
      return uri;
    }

    private static URI absoluteHttpUri(String text) {
      try {
        URI uri = new URI(text);
        if (uri.isAbsolute()
            && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            && uri.getHost() != null) {
          return uri;
        }
      } catch (java.net.URISyntaxException e) {
        // not a URI at all
      }
      return null;
    }

    void throwIfAny() {
      if (!problems.isEmpty()) {
        throw new ConfigException(problems);
      }
    }
  }
}
