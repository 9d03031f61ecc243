package dev.cozegateway.application;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One piece of work per key at a time in this process: the first caller for a key (the leader) does
 * it, and callers that arrive meanwhile take the leader's result (or its failure) instead of doing
 * it again. Thread-safe.
 *
 * @param <K> the key
 * @param <V> the result
 */
final class SingleFlight<K, V> {
  private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
  private final Duration maxWait;
  private final String what;

  /**
   * @param maxWait how long a joiner waits for the leader before it gives up (UNAVAILABLE)
   * @param what what is waited for, for messages ("a token refresh in progress")
   */
  SingleFlight(Duration maxWait, String what) {
    this.maxWait = maxWait;
    this.what = what;
  }

  /** A round's result, and whether this caller led it. */
  record Flight<V>(V value, boolean led) {}

  Flight<V> run(K key, Supplier<V> work) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> leader = inFlight.putIfAbsent(key, mine);
    if (leader != null) {
      return new Flight<>(Waits.await(leader, maxWait, what), false);
    }
    try {
      mine.complete(work.get());
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
    } finally {
      inFlight.remove(key, mine);
    }
    return new Flight<>(Waits.await(mine, maxWait, what), true);
  }
}
