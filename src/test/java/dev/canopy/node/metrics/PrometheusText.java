package dev.canopy.node.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it refuses anything a
 * scraper might misread (samples before their TYPE, a family split in two, duplicate series,
 * histograms whose buckets, +Inf bucket, _sum and _count disagree).
 */
public final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One series' value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** A family: its HELP, TYPE and samples in order. */
  public record Family(String name, String help, String type, List<Sample> samples) {
    /** The value of the sample {@code name} with exactly these labels. */
    public double value(String sampleName, Map<String, String> labels) {
      return samples.stream()
          .filter(s -> s.name().equals(sampleName) && s.labels().equals(labels))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no sample " + sampleName + labels + " in " + name))
          .value();
    }

    public double value() {
      return value(name, Map.of());
    }
  }

  /** Thrown for text that is not valid exposition format; says which line. */
  public static final class MalformedException extends RuntimeException {
    MalformedException(int line, String message) {
      super("line " + line + ": " + message);
    }
  }

  private PrometheusText() {}

  /** Families by name, in the order the text gives them. */
  public static Map<String, Family> parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new MalformedException(0, "the text does not end with a line feed");
    }
    Map<String, Family> families = new LinkedHashMap<>();
    Set<String> seriesSeen = new HashSet<>();
    String current = null;
    String pendingHelpFor = null;
    String pendingHelp = null;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length - 1; i++) {
      int n = i + 1;
      String line = lines[i];
      if (line.startsWith("# HELP ")) {
        String[] parts = line.substring(7).split(" ", 2);
        requireName(n, parts[0]);
        if (families.containsKey(parts[0]) || parts[0].equals(pendingHelpFor)) {
          throw new MalformedException(n, "second HELP for " + parts[0]);
        }
        pendingHelpFor = parts[0];
        pendingHelp = parts.length > 1 ? unescapeHelp(n, parts[1]) : "";
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ", -1);
        if (parts.length != 2 || !TYPES.contains(parts[1])) {
          throw new MalformedException(n, "bad TYPE line: " + line);
        }
        requireName(n, parts[0]);
        if (families.containsKey(parts[0])) {
          throw new MalformedException(n, "second TYPE for " + parts[0]);
        }
        if (pendingHelpFor != null && !pendingHelpFor.equals(parts[0])) {
          throw new MalformedException(n, "HELP for " + pendingHelpFor + " but TYPE for " + parts[0]);
        }
        current = parts[0];
        families.put(current, new Family(current, pendingHelp, parts[1], new ArrayList<>()));
        pendingHelpFor = null;
        pendingHelp = null;
      } else if (line.startsWith("#")) {
        continue; // a comment
      } else if (line.isEmpty()) {
        throw new MalformedException(n, "empty line");
      } else {
        Sample sample = parseSample(n, line);
        if (current == null || !belongs(families.get(current), sample.name())) {
          throw new MalformedException(n, "sample " + sample.name() + " outside its family's block");
        }
        if (!seriesSeen.add(sample.name() + sample.labels())) {
          throw new MalformedException(n, "duplicate series " + sample.name() + sample.labels());
        }
        families.get(current).samples().add(sample);
      }
    }
    for (Family f : families.values()) {
      if (f.type().equals("histogram")) {
        checkHistogram(f);
      }
      if (f.type().equals("counter")) {
        for (Sample s : f.samples()) {
          if (s.value() < 0 || Double.isNaN(s.value())) {
            throw new MalformedException(0, "counter " + f.name() + " is " + s.value());
          }
        }
      }
    }
    return families;
  }

  private static boolean belongs(Family family, String sampleName) {
    if (family.type().equals("histogram")) {
      return sampleName.equals(family.name() + "_bucket")
          || sampleName.equals(family.name() + "_sum")
          || sampleName.equals(family.name() + "_count");
    }
    return sampleName.equals(family.name());
  }

  private static void checkHistogram(Family f) {
    Map<Map<String, String>, List<Sample>> buckets = new TreeMap<>(
        (a, b) -> a.toString().compareTo(b.toString()));
    Map<Map<String, String>, Double> sums = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    Map<Map<String, String>, Double> counts = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    for (Sample s : f.samples()) {
      if (s.name().endsWith("_bucket")) {
        Map<String, String> rest = new TreeMap<>(s.labels());
        if (rest.remove("le") == null) {
          throw new MalformedException(0, f.name() + " has a bucket without le");
        }
        buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
      } else if (s.name().endsWith("_sum")) {
        sums.put(new TreeMap<>(s.labels()), s.value());
      } else {
        counts.put(new TreeMap<>(s.labels()), s.value());
      }
    }
    if (!buckets.keySet().equals(sums.keySet()) || !buckets.keySet().equals(counts.keySet())) {
      throw new MalformedException(0, f.name() + ": buckets, _sum and _count name other series");
    }
    for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
      double previousLe = Double.NEGATIVE_INFINITY;
      double previous = 0;
      List<Sample> series = e.getValue();
      for (Sample b : series) {
        double le = parseValue(0, b.labels().get("le"));
        if (!(le > previousLe)) {
          throw new MalformedException(0, f.name() + e.getKey() + ": le not increasing at " + le);
        }
        if (b.value() < previous) {
          throw new MalformedException(0, f.name() + e.getKey() + ": buckets not cumulative");
        }
        previousLe = le;
        previous = b.value();
      }
      if (!series.get(series.size() - 1).labels().get("le").equals("+Inf")) {
        throw new MalformedException(0, f.name() + e.getKey() + ": last bucket is not le=\"+Inf\"");
      }
      if (counts.get(e.getKey()) != previous) {
        throw new MalformedException(0, f.name() + e.getKey() + ": _count " + counts.get(e.getKey())
            + " but +Inf bucket " + previous);
      }
    }
  }

  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( -?[0-9]+)?");

  private static Sample parseSample(int n, String line) {
    Matcher m = SAMPLE.matcher(line);
    if (!m.matches()) {
      throw new MalformedException(n, "not a sample line: " + line);
    }
    Map<String, String> labels = m.group(3) == null ? Map.of() : parseLabels(n, m.group(3));
    return new Sample(m.group(1), labels, parseValue(n, m.group(4)));
  }

  private static Map<String, String> parseLabels(int n, String text) {
    Map<String, String> labels = new TreeMap<>();
    int i = 0;
    while (i < text.length()) {
      int eq = text.indexOf('=', i);
      if (eq < 0) {
        throw new MalformedException(n, "label without value: " + text);
      }
      String name = text.substring(i, eq);
      if (!LABEL_NAME.matcher(name).matches()) {
        throw new MalformedException(n, "bad label name " + name);
      }
      if (eq + 1 >= text.length() || text.charAt(eq + 1) != '"') {
        throw new MalformedException(n, "label value not quoted: " + text);
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      for (; ; j++) {
        if (j >= text.length()) {
          throw new MalformedException(n, "unterminated label value: " + text);
        }
        char c = text.charAt(j);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          j++;
          char e = j < text.length() ? text.charAt(j) : 0;
          switch (e) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> throw new MalformedException(n, "bad escape in " + text);
          }
        } else if (c == '\n') {
          throw new MalformedException(n, "raw line feed in a label value");
        } else {
          value.append(c);
        }
      }
      if (labels.put(name, value.toString()) != null) {
        throw new MalformedException(n, "label " + name + " twice");
      }
      i = j + 1;
      if (i < text.length()) {
        if (text.charAt(i) != ',' || i + 1 == text.length()) {
          throw new MalformedException(n, "labels not separated by single commas: " + text);
        }
        i++;
      }
    }
    return labels;
  }

  private static double parseValue(int n, String text) {
    switch (Objects.requireNonNullElse(text, "")) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        if (!text.matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
          throw new MalformedException(n, "not a value: " + text);
        }
        return Double.parseDouble(text);
    }
  }

  private static void requireName(int n, String name) {
    if (!NAME.matcher(name).matches()) {
      throw new MalformedException(n, "bad metric name " + name);
    }
  }

  private static String unescapeHelp(int n, String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        char e = ++i < text.length() ? text.charAt(i) : 0;
        switch (e) {
          case '\\' -> out.append('\\');
          case 'n' -> out.append('\n');
          default -> throw new MalformedException(n, "bad escape in HELP");
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
