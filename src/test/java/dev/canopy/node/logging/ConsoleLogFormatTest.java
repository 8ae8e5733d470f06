package dev.canopy.node.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node's logback.xml, loaded into a logger context of its own, as CANOPY_LOG_FORMAT selects:
 * JSON is one parseable object per line (messages with line breaks and stack traces included);
 * text stays the default.
 */
class ConsoleLogFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the console appender writes to standard error while {@code body} runs. */
  private static String consoleOutput(String format, java.util.function.Consumer<LoggerContext> body)
      throws Exception {
    LoggerContext context = new LoggerContext();
    // A context of one's own needs the MDC adapter that logback's SLF4J provider otherwise sets.
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    if (format != null) {
      context.putProperty("CANOPY_LOG_FORMAT", format);
    }
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(ConsoleLogFormatTest.class.getResource("/logback.xml"));
      body.accept(context);
    } finally {
      context.stop();
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonFormatWritesOneParseableObjectPerLine() throws Exception {
    String out = consoleOutput("json", context -> {
      Logger log = context.getLogger("dev.canopy.node.Node");
      log.info("node {} is up", "abc");
      log.warn("a message with \"quotes\"\nand a second line");
      log.error("failed", new IllegalStateException("boom"));
      log.debug("below the level, not written");
    });
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    assertThat(lines).hasSize(3);
    assertThat(lines).allSatisfy(l -> assertThat(l.isObject()).isTrue());
    assertThat(lines.get(0).get("level").asText()).isEqualTo("INFO");
    assertThat(lines.get(0).get("loggerName").asText()).isEqualTo("dev.canopy.node.Node");
    assertThat(lines.get(0).get("formattedMessage").asText()).isEqualTo("node abc is up");
    assertThat(lines.get(0).get("timestamp").asLong()).isPositive();
    assertThat(lines.get(1).get("formattedMessage").asText())
        .isEqualTo("a message with \"quotes\"\nand a second line");
    assertThat(lines.get(2).get("throwable").toString()).contains("boom");
  }

  @Test
  void textIsTheDefaultFormat() throws Exception {
    String out = consoleOutput(null, context ->
        context.getLogger("dev.canopy.node.Node").info("node {} is up", "abc"));
    assertThat(out).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  dev\\.canopy\\.node\\.Node - node abc"
        + " is up\n");
  }

  @Test
  void anUnknownFormatIsAConfigurationErrorAndLogsAsText() throws Exception {
    List<Status> statuses = new ArrayList<>();
    String out = consoleOutput("yaml", context -> {
      statuses.addAll(context.getStatusManager().getCopyOfStatusList());
      context.getLogger("dev.canopy.x").info("still logged");
    });
    assertThat(out).endsWith("INFO  dev.canopy.x - still logged\n");
    assertThat(statuses).anySatisfy(s -> {
      assertThat(s.getLevel()).isEqualTo(Status.ERROR);
      assertThat(s.getMessage()).contains("unknown log format \"yaml\"");
    });
  }
}
