package dev.cozegateway.bootstrap.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The raw configuration tree: a YAML file, then environment variables on top. A scalar key such as
 * {@code grpc.port} is overridden by {@code COZE_GATEWAY_GRPC_PORT} (upper case; dots and hyphens
 * become underscores). This is the only place that reads the configuration file or the
 * environment's settings.
 */
public final class ConfigSource {
  public static final String ENV_PREFIX = "COZE_GATEWAY_";

  private final ObjectNode root;
  private final Map<String, String> env;
  private final Map<String, String> overrides;

  private ConfigSource(ObjectNode root, Map<String, String> env, Map<String, String> overrides) {
    this.root = root;
    this.env = Map.copyOf(env);
    this.overrides = Map.copyOf(overrides);
  }

  /** This source with command-line values on top, by dotted key (e.g. {@code grpc.port}). */
  public ConfigSource withOverrides(Map<String, String> values) {
    Map<String, String> merged = new java.util.HashMap<>(overrides);
    merged.putAll(values);
    return new ConfigSource(root, env, merged);
  }

  /** Reads {@code file} (may be null for none) and overlays {@code env}. */
  public static ConfigSource load(Path file, Map<String, String> env) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    if (file != null) {
      try {
        JsonNode parsed = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        if (parsed != null && !parsed.isMissingNode() && !parsed.isNull()) {
          if (!parsed.isObject()) {
            throw new ConfigException(List.of(file + ": the top level must be a mapping"));
          }
          root = (ObjectNode) parsed;
        }
      } catch (JsonProcessingException e) {
        // Not the parser's message: it quotes the offending line, which may hold a key.
        JsonLocation where = e.getLocation();
        throw new ConfigException(
            List.of(
                file
                    + ": not valid YAML"
                    + (where == null
                        ? ""
                        : " at line " + where.getLineNr() + ", column " + where.getColumnNr())));
      } catch (IOException e) {
        throw new ConfigException(List.of(file + ": cannot read: " + e.getMessage()));
      }
    }
    return new ConfigSource(root, env, Map.of());
  }

  /** A tree built in code (tests, the demo), with the environment on top. */
  public static ConfigSource of(ObjectNode root, Map<String, String> env) {
    return new ConfigSource(root.deepCopy(), env, Map.of());
  }

  public Map<String, String> env() {
    return env;
  }

  /** The environment variable that overrides a scalar key. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The value at a dotted key: command line, else environment, else the file, else null. */
  String scalar(String key) {
    String override = overrides.get(key);
    if (override != null) {
      return override;
    }
    String fromEnv = env.get(envName(key));
    if (fromEnv != null) {
      return fromEnv;
    }
    JsonNode node = node(key);
    if (node == null || node.isNull()) {
      return null;
    }
    return node.isValueNode() ? node.asText() : node.toString();
  }

  JsonNode node(String key) {
    JsonNode node = root;
    for (String part : key.split("\\.")) {
      node = node.get(part);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  /** Every leaf key in the file, for rejecting unknown (mistyped) keys. */
  List<String> fileKeys() {
    List<String> keys = new ArrayList<>();
    collect("", root, keys);
    return keys;
  }

  private static void collect(String prefix, JsonNode node, List<String> keys) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e ->
                  collect(
                      prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                      e.getValue(),
                      keys));
    } else {
      keys.add(prefix);
    }
  }
}
