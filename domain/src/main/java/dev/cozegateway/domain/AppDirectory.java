package dev.cozegateway.domain;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The apps configured in this gateway, looked up by id. Immutable and thread-safe. */
public final class AppDirectory {
  private final Map<AppId, App> apps;

  public AppDirectory(Collection<App> apps) {
    Map<AppId, App> byId = new LinkedHashMap<>();
    for (App app : apps) {
      if (byId.put(app.id(), app) != null) {
        throw new IllegalArgumentException("duplicate app " + app.id());
      }
    }
    this.apps = java.util.Collections.unmodifiableMap(byId);
  }

  public Optional<App> find(AppId id) {
    return Optional.ofNullable(apps.get(id));
  }

  /** The app, or {@link GatewayException.NotFound} with {@link Reason#APP_NOT_FOUND}. */
  public App require(AppId id) {
    return find(id)
        .orElseThrow(
            () ->
                new GatewayException.NotFound(
                    Reason.APP_NOT_FOUND, "app " + id + " is not configured"));
  }

  public List<App> all() {
    return List.copyOf(apps.values());
  }
}
