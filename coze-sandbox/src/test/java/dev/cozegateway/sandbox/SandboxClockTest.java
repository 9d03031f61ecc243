package dev.cozegateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SandboxClockTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  @Test
  void followsItsBasePlusEveryAdvance() {
    SandboxClock clock = new SandboxClock(InstantSource.fixed(T0));
    assertThat(clock.instant()).isEqualTo(T0);

    clock.advance(Duration.ofMinutes(15));
    clock.advance(Duration.ofSeconds(1));

    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(901));
    assertThat(clock.offset()).isEqualTo(Duration.ofSeconds(901));
    assertThat(clock.millis()).isEqualTo(T0.plusSeconds(901).toEpochMilli());
  }

  @Test
  void followsSystemTimeByDefault() {
    Instant before = Instant.now();
    Instant now = new SandboxClock().instant();

    assertThat(now).isBetween(before, Instant.now());
  }

  @Test
  void refusesToGoBackwards() {
    SandboxClock clock = new SandboxClock(InstantSource.fixed(T0));

    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(clock.instant()).isEqualTo(T0);
  }

  @Test
  void concurrentAdvancesAllCount() throws Exception {
    SandboxClock clock = new SandboxClock(InstantSource.fixed(T0));
    int threads = 8;
    int perThread = 1_000;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < perThread; i++) {
                    clock.advance(Duration.ofSeconds(1));
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> future : done) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(clock.offset()).isEqualTo(Duration.ofSeconds((long) threads * perThread));
  }
}
