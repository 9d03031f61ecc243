package dev.cozegateway.adapters.cozehttp;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures one class's debug lines while a piece of code runs, to check them for secrets. */
final class DebugLog {
  private DebugLog() {}

  /** The formatted lines {@code owner}'s logger wrote at DEBUG and above while {@code code} ran. */
  static List<String> capture(Class<?> owner, Runnable code) {
    Logger logger = (Logger) LoggerFactory.getLogger(owner);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    Level previous = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logger.setAdditive(false);
    logger.addAppender(appender);
    try {
      code.run();
    } finally {
      logger.detachAppender(appender);
      logger.setAdditive(true);
      logger.setLevel(previous);
    }
    return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }
}
