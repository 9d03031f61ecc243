package dev.cozegateway.bootstrap;

import java.util.concurrent.CountDownLatch;

/** Runs until SIGTERM or SIGINT, then closes what it was given (draining first). */
final class Lifecycle {
  private Lifecycle() {}

  static void runUntilSignalled(AutoCloseable... owned) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (AutoCloseable closeable : owned) {
                    try {
                      closeable.close();
                    } catch (Exception e) {
                      // Shutting down anyway; the gateway logs its own failures.
                    }
                  }
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
  }
}
