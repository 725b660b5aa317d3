package dev.drover.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Logback configuration in code: INFO to stderr and to {@code <work-dir>/agent.log}.
 *
 * <p>It is code rather than a logback.xml because the agent ships on a jlinked runtime without
 * the java.xml module, which logback's XML configurator needs. {@link AgentMain} sets {@value
 * AgentMain#LOG_FILE_PROPERTY} before the first log line; without it (tests) only stderr is used.
 */
public final class AgentLogging extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(stderr(context));
    String file = System.getProperty(AgentMain.LOG_FILE_PROPERTY);
    if (file != null && !file.isBlank()) {
      root.addAppender(file(context, file));
    }
    context.getLogger("jdk.internal.httpclient").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static ConsoleAppender<ILoggingEvent> stderr(LoggerContext context) {
    ConsoleAppender<ILoggingEvent> a = new ConsoleAppender<>();
    a.setContext(context);
    a.setName("stderr");
    a.setTarget("System.err");
    a.setEncoder(encoder(context, "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n"));
    a.start();
    return a;
  }

  private static FileAppender<ILoggingEvent> file(LoggerContext context, String path) {
    FileAppender<ILoggingEvent> a = new FileAppender<>();
    a.setContext(context);
    a.setName("file");
    a.setFile(path);
    a.setAppend(true);
    a.setEncoder(encoder(context, "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger - %msg%n"));
    a.start();
    return a;
  }

  private static PatternLayoutEncoder encoder(LoggerContext context, String pattern) {
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(context);
    e.setPattern(pattern);
    e.start();
    return e;
  }
}
