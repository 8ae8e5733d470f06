package dev.canopy.node.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;

/**
 * The console's log encoder, chosen by {@code format} (logback.xml sets it from {@code
 * CANOPY_LOG_FORMAT}): {@code text} is the human-readable {@code pattern}; {@code json} is
 * logback's own {@link JsonEncoder}, one JSON object per line. Any other value is reported as a
 * logback configuration error and falls back to text, so the node still logs.
 */
public final class ConsoleEncoder extends EncoderBase<ILoggingEvent> {
  public static final String TEXT = "text";
  public static final String JSON = "json";

  private String format = TEXT;
  private String pattern = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";
  private Encoder<ILoggingEvent> delegate;

  public void setFormat(String format) {
    this.format = format == null ? TEXT : format.trim().toLowerCase(Locale.ROOT);
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  @Override
  public void start() {
    if (JSON.equals(format)) {
      JsonEncoder json = new JsonEncoder();
      // The formatted message is what people search for; the raw arguments would repeat it.
      json.setWithFormattedMessage(true);
      json.setWithArguments(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      delegate = json;
    } else {
      if (!TEXT.equals(format)) {
        addError("unknown log format \"" + format + "\" (CANOPY_LOG_FORMAT): use " + TEXT
            + " or " + JSON + "; logging as " + TEXT);
      }
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setPattern(pattern);
      delegate = text;
    }
    delegate.setContext(getContext());
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
