package dev.canopy.node.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * A small metrics registry: counters, gauges and histograms with optional labels, rendered in the
 * Prometheus text exposition format, version 0.0.4.
 *
 * <p>Updates are lock-free ({@link LongAdder}, {@link DoubleAdder}, atomics), so hot paths (HTTP
 * requests, rounds) may record from any thread. The output is deterministic: families sorted by
 * name, children by their label values.
 *
 * <p>Note (Prometheus exposition format 0.0.4): each family has one {@code # HELP} and one {@code #
 * TYPE} line before its samples; a histogram's {@code _bucket} samples are cumulative and end with
 * {@code le="+Inf"}, whose value equals {@code _count}.
 */
public final class Metrics {
  /** The content type of {@link #render()}. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Label combinations per family beyond which observations go to one overflow child. */
  public static final int MAX_CHILDREN_PER_FAMILY = 1_000;

  /** The label value every label of the overflow child has. */
  public static final String OVERFLOW_LABEL_VALUE = "other";

  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final int MAX_HELP_CHARS = 500;

  private final Map<String, Family<?>> families = new TreeMap<>();

  /** A counter without labels. */
  public synchronized Counter counter(String name, String help) {
    return counterFamily(name, help).labels();
  }

  /** A family of counters, one per combination of values of {@code labelNames}. */
  public synchronized Family<Counter> counterFamily(String name, String help, String... labelNames) {
    requireSuffix(name, "_total", "a counter");
    return register(new Family<>(name, help, "counter", labelNames, Counter::new));
  }

  /** A gauge without labels, set by its owner. */
  public synchronized Gauge gauge(String name, String help) {
    return register(new Family<>(name, help, "gauge", new String[0], Gauge::new)).labels();
  }

  /** A gauge without labels whose value is read from {@code value} when rendered. */
  public synchronized void gauge(String name, String help, DoubleSupplier value) {
    Objects.requireNonNull(value);
    register(new Family<>(name, help, "gauge", new String[0], () -> new Gauge(value)));
  }

  /** A histogram without labels. */
  public synchronized Histogram histogram(String name, String help, double... upperBounds) {
    return histogramFamily(name, help, upperBounds).labels();
  }

  /**
   * A family of histograms over the same fixed buckets ({@code upperBounds}: finite, strictly
   * increasing; {@code +Inf} is implied).
   */
  public synchronized Family<Histogram> histogramFamily(
      String name, String help, double[] upperBounds, String... labelNames) {
    double[] bounds = checkBounds(upperBounds);
    for (String label : labelNames) {
      if (label.equals("le")) {
        throw new IllegalArgumentException("a histogram cannot have a label named le");
      }
    }
    return register(new Family<>(name, help, "histogram", labelNames, () -> new Histogram(bounds)));
  }

  /** Every family in the text exposition format, sorted by name. */
  public String render() {
    List<Family<?>> snapshot;
    synchronized (this) {
      snapshot = new ArrayList<>(families.values());
    }
    StringBuilder out = new StringBuilder(4096);
    for (Family<?> family : snapshot) {
      family.render(out);
    }
    return out.toString();
  }

  private <T extends Child> Family<T> register(Family<T> family) {
    if (families.containsKey(family.name)) {
      throw new IllegalArgumentException("metric " + family.name + " is registered already");
    }
    for (String existing : families.keySet()) {
      // A histogram's samples would collide with a family named like one of its suffixes.
      if (family.type.equals("histogram") && collides(family.name, existing)
          || families.get(existing).type.equals("histogram") && collides(existing, family.name)) {
        throw new IllegalArgumentException(
            "metric " + family.name + " collides with the samples of " + existing);
      }
    }
    families.put(family.name, family);
    return family;
  }

  private static boolean collides(String histogram, String other) {
    return other.equals(histogram + "_bucket") || other.equals(histogram + "_sum")
        || other.equals(histogram + "_count");
  }

  private static void requireSuffix(String name, String suffix, String what) {
    if (!name.endsWith(suffix)) {
      throw new IllegalArgumentException(what + "'s name ends with " + suffix + ": " + name);
    }
  }

  private static double[] checkBounds(double[] upperBounds) {
    if (upperBounds.length == 0) {
      throw new IllegalArgumentException("a histogram needs at least one bucket");
    }
    double[] bounds = upperBounds.clone();
    for (int i = 0; i < bounds.length; i++) {
      if (!Double.isFinite(bounds[i]) || i > 0 && bounds[i] <= bounds[i - 1]) {
        throw new IllegalArgumentException(
            "histogram bounds must be finite and strictly increasing: " + Arrays.toString(bounds));
      }
    }
    return bounds;
  }

  /** One metric family: a name, a type and its children by label values. */
  public static final class Family<T extends Child> {
    private final String name;
    private final String help;
    private final String type;
    private final String[] labelNames;
    private final java.util.function.Supplier<T> create;
    private final ConcurrentHashMap<List<String>, T> children = new ConcurrentHashMap<>();

    private Family(
        String name, String help, String type, String[] labelNames,
        java.util.function.Supplier<T> create) {
      if (!METRIC_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not a valid metric name: " + name);
      }
      if (help.isEmpty() || help.length() > MAX_HELP_CHARS) {
        throw new IllegalArgumentException("help of " + name + " must have 1 to "
            + MAX_HELP_CHARS + " characters");
      }
      for (String label : labelNames) {
        if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
          throw new IllegalArgumentException("not a valid label name: " + label);
        }
      }
      if (Arrays.stream(labelNames).distinct().count() != labelNames.length) {
        throw new IllegalArgumentException("duplicate label names in " + name);
      }
      this.name = name;
      this.help = help;
      this.type = type;
      this.labelNames = labelNames.clone();
      this.create = create;
      if (labelNames.length == 0) {
        children.put(List.of(), create.get());
      }
    }

    /** The child for these label values (as many as the family has label names). */
    public T labels(String... values) {
      if (values.length != labelNames.length) {
        throw new IllegalArgumentException(
            name + " has labels " + Arrays.toString(labelNames) + ", given "
                + Arrays.toString(values));
      }
      List<String> key = List.of(values);
      T child = children.get(key);
      if (child != null) {
        return child;
      }
      if (children.size() >= MAX_CHILDREN_PER_FAMILY) {
        String[] overflow = new String[values.length];
        Arrays.fill(overflow, OVERFLOW_LABEL_VALUE);
        key = List.of(overflow);
      }
      return children.computeIfAbsent(key, k -> create.get());
    }

    private void render(StringBuilder out) {
      out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
      out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
      TreeMap<List<String>, T> sorted = new TreeMap<>(Family::compareLabelValues);
      sorted.putAll(children);
      for (Map.Entry<List<String>, T> e : sorted.entrySet()) {
        e.getValue().render(name, labelText(e.getKey()), out);
      }
    }

    private static int compareLabelValues(List<String> a, List<String> b) {
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        int c = a.get(i).compareTo(b.get(i));
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(a.size(), b.size());
    }

    /** {@code name="value",…} without braces; empty without labels. */
    private String labelText(List<String> values) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          text.append(',');
        }
        text.append(labelNames[i]).append("=\"").append(escapeLabelValue(values.get(i)))
            .append('"');
      }
      return text.toString();
    }
  }

  /** A counter, a gauge or a histogram of one family. */
  public abstract static sealed class Child permits Counter, Gauge, Histogram {
    abstract void render(String name, String labels, StringBuilder out);

    static void sample(StringBuilder out, String name, String labels, String value) {
      out.append(name);
      if (!labels.isEmpty()) {
        out.append('{').append(labels).append('}');
      }
      out.append(' ').append(value).append('\n');
    }
  }

  /** A count that only grows. */
  public static final class Counter extends Child {
    private final LongAdder value = new LongAdder();

    public void increment() {
      value.increment();
    }

    public void add(long amount) {
      if (amount < 0) {
        throw new IllegalArgumentException("a counter cannot decrease: " + amount);
      }
      value.add(amount);
    }

    public long value() {
      return value.sum();
    }

    @Override
    void render(String name, String labels, StringBuilder out) {
      sample(out, name, labels, Long.toString(value.sum()));
    }
  }

  /** A value that goes up and down; set by its owner or read from a supplier. */
  public static final class Gauge extends Child {
    private final AtomicLong bits = new AtomicLong(Double.doubleToLongBits(0));
    private final DoubleSupplier supplier;

    private Gauge() {
      this.supplier = null;
    }

    private Gauge(DoubleSupplier supplier) {
      this.supplier = supplier;
    }

    public void set(double value) {
      if (supplier != null) {
        throw new IllegalStateException("this gauge reads its value from a supplier");
      }
      bits.set(Double.doubleToLongBits(value));
    }

    public double value() {
      return supplier != null ? supplier.getAsDouble() : Double.longBitsToDouble(bits.get());
    }

    @Override
    void render(String name, String labels, StringBuilder out) {
      sample(out, name, labels, formatValue(value()));
    }
  }

  /** Observations counted into fixed buckets, with their sum. */
  public static final class Histogram extends Child {
    private final double[] upperBounds;
    private final LongAdder[] buckets; // not cumulative; the last one is +Inf
    private final DoubleAdder sum = new DoubleAdder();

    private Histogram(double[] upperBounds) {
      this.upperBounds = upperBounds;
      this.buckets = new LongAdder[upperBounds.length + 1];
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    public void observe(double value) {
      if (Double.isNaN(value)) {
        return;
      }
      int i = Arrays.binarySearch(upperBounds, value);
      // Buckets are inclusive of their upper bound (le).
      buckets[i >= 0 ? i : -i - 1].increment();
      sum.add(value);
    }

    /** How many observations so far. */
    public long count() {
      long count = 0;
      for (LongAdder b : buckets) {
        count += b.sum();
      }
      return count;
    }

    @Override
    void render(String name, String labels, StringBuilder out) {
      String prefix = labels.isEmpty() ? "" : labels + ",";
      long cumulative = 0;
      for (int i = 0; i < buckets.length; i++) {
        cumulative += buckets[i].sum();
        String le = i < upperBounds.length ? formatValue(upperBounds[i]) : "+Inf";
        sample(out, name + "_bucket", prefix + "le=\"" + le + "\"", Long.toString(cumulative));
      }
      // Note: _count is the +Inf bucket as rendered, so the two always agree in one scrape.
      sample(out, name + "_sum", labels, formatValue(sum.sum()));
      sample(out, name + "_count", labels, Long.toString(cumulative));
    }
  }

  static String formatValue(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  private static String escapeHelp(String help) {
    return help.replace("\\", "\\\\").replace("\n", "\\n");
  }

  private static String escapeLabelValue(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
