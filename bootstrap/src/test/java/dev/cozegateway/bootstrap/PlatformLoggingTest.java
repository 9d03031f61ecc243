package dev.cozegateway.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cozegateway.application.GetAccessToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The application layer logs through the JDK's {@link System.Logger}, having no third-party
 * imports; those events must reach Logback (and so the JSON log) like any other.
 */
class PlatformLoggingTest {
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void capture() {
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void release() {
    root.detachAppender(logs);
  }

  @Test
  void systemLoggerEventsOfTheApplicationReachLogback() {
    System.getLogger(GetAccessToken.class.getName())
        .log(System.Logger.Level.WARNING, "connection {0}: probe", "tenants/t/connections/c");

    assertThat(logs.list)
        .anySatisfy(
            event -> {
              assertThat(event.getLoggerName()).isEqualTo(GetAccessToken.class.getName());
              assertThat(event.getLevel()).isEqualTo(Level.WARN);
              assertThat(event.getFormattedMessage())
                  .isEqualTo("connection tenants/t/connections/c: probe");
            });
  }
}
