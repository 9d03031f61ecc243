package dev.cozegateway.bootstrap.config;

/** Where the gateway keeps connections and authorizations. */
public enum StoreType {
  /** An H2 MVStore file in {@code store.data-dir}: one gateway process. */
  EMBEDDED,
  /** Redis ({@code store.redis.*}): several gateway replicas share it. */
  REDIS
}
