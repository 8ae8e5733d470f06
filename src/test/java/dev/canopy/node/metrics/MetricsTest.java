package dev.canopy.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void rendersFamiliesSortedWithHelpTypeAndSamplesAsTheExpositionFormatSays() {
    Metrics metrics = new Metrics();
    metrics.gauge("b_height", "A height.").set(42);
    Metrics.Family<Metrics.Counter> rejected =
        metrics.counterFamily("a_rejected_total", "Refusals.", "status", "reason");
    rejected.labels("503", "unavailable").increment();
    rejected.labels("400", "invalid_request").add(2);
    metrics.histogram("c_duration_seconds", "Latency.", 0.01, 0.1, 1).observe(0.05);

    assertThat(metrics.render()).isEqualTo("""
        # HELP a_rejected_total Refusals.
        # TYPE a_rejected_total counter
        a_rejected_total{status="400",reason="invalid_request"} 2
        a_rejected_total{status="503",reason="unavailable"} 1
        # HELP b_height A height.
        # TYPE b_height gauge
        b_height 42
        # HELP c_duration_seconds Latency.
        # TYPE c_duration_seconds histogram
        c_duration_seconds_bucket{le="0.01"} 0
        c_duration_seconds_bucket{le="0.1"} 1
        c_duration_seconds_bucket{le="1"} 1
        c_duration_seconds_bucket{le="+Inf"} 1
        c_duration_seconds_sum 0.05
        c_duration_seconds_count 1
        """);
    assertThat(PrometheusText.parse(metrics.render())).hasSize(3);
  }

  @Test
  void bucketsIncludeTheirUpperBoundAndLargeValuesLandInInf() {
    Metrics metrics = new Metrics();
    Metrics.Histogram h = metrics.histogram("h_seconds", "H.", 0.001, 0.01);
    h.observe(0.001);
    h.observe(0.0011);
    h.observe(100);
    h.observe(Double.NaN); // ignored
    Map<String, PrometheusText.Family> parsed = PrometheusText.parse(metrics.render());
    PrometheusText.Family f = parsed.get("h_seconds");
    assertThat(f.value("h_seconds_bucket", Map.of("le", "0.001"))).isEqualTo(1);
    assertThat(f.value("h_seconds_bucket", Map.of("le", "0.01"))).isEqualTo(2);
    assertThat(f.value("h_seconds_bucket", Map.of("le", "+Inf"))).isEqualTo(3);
    assertThat(f.value("h_seconds_count", Map.of())).isEqualTo(3);
    assertThat(f.value("h_seconds_sum", Map.of())).isCloseTo(100.0021, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void labelValuesAndHelpAreEscapedAndParseBack() {
    Metrics metrics = new Metrics();
    metrics.counterFamily("x_total", "Back\\slash and\nnewline.", "path")
        .labels("a\"b\\c\nd").increment();
    String text = metrics.render();
    assertThat(text).contains("x_total{path=\"a\\\"b\\\\c\\nd\"} 1\n")
        .contains("# HELP x_total Back\\\\slash and\\nnewline.\n");
    PrometheusText.Family f = PrometheusText.parse(text).get("x_total");
    assertThat(f.help()).isEqualTo("Back\\slash and\nnewline.");
    assertThat(f.value("x_total", Map.of("path", "a\"b\\c\nd"))).isEqualTo(1);
  }

  @Test
  void gaugesOverASupplierAreReadWhenRendered() {
    Metrics metrics = new Metrics();
    double[] value = {1};
    metrics.gauge("g", "G.", () -> value[0]);
    value[0] = 0.25;
    assertThat(PrometheusText.parse(metrics.render()).get("g").value()).isEqualTo(0.25);
  }

  @Test
  void concurrentUpdatesAreAllCounted() throws Exception {
    Metrics metrics = new Metrics();
    Metrics.Counter counter = metrics.counter("c_total", "C.");
    Metrics.Family<Metrics.Counter> labelled = metrics.counterFamily("l_total", "L.", "k");
    Metrics.Histogram histogram = metrics.histogram("h_seconds", "H.", 0.5);
    int threads = 4;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            counter.increment();
            labelled.labels(Integer.toString(i % 3)).increment();
            histogram.observe(id % 2 == 0 ? 0.25 : 1.0);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, PrometheusText.Family> parsed = PrometheusText.parse(metrics.render());
    assertThat(parsed.get("c_total").value()).isEqualTo(threads * perThread);
    double sum = 0;
    for (String k : List.of("0", "1", "2")) {
      sum += parsed.get("l_total").value("l_total", Map.of("k", k));
    }
    assertThat(sum).isEqualTo(threads * perThread);
    PrometheusText.Family h = parsed.get("h_seconds");
    assertThat(h.value("h_seconds_bucket", Map.of("le", "0.5"))).isEqualTo(2 * perThread);
    assertThat(h.value("h_seconds_count", Map.of())).isEqualTo(threads * perThread);
  }

  @Test
  void labelCombinationsBeyondTheLimitShareOneOverflowSeries() {
    Metrics metrics = new Metrics();
    Metrics.Family<Metrics.Counter> f = metrics.counterFamily("many_total", "M.", "id");
    for (int i = 0; i < Metrics.MAX_CHILDREN_PER_FAMILY + 10; i++) {
      f.labels("v" + i).increment();
    }
    PrometheusText.Family parsed = PrometheusText.parse(metrics.render()).get("many_total");
    assertThat(parsed.samples()).hasSize(Metrics.MAX_CHILDREN_PER_FAMILY + 1);
    assertThat(parsed.value("many_total", Map.of("id", Metrics.OVERFLOW_LABEL_VALUE)))
        .isEqualTo(10);
  }

  @Test
  void invalidDefinitionsAreRefused() {
    Metrics metrics = new Metrics();
    metrics.gauge("taken", "T.");
    assertThatThrownBy(() -> metrics.gauge("taken", "Again."))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered already");
    assertThatThrownBy(() -> metrics.gauge("1bad", "B."))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.counter("no_suffix", "C."))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("_total");
    assertThatThrownBy(() -> metrics.histogram("h", "H.", 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.histogram("h", "H.", 1, Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.histogramFamily("h2", "H.", new double[] {1}, "le"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.counterFamily("x_total", "X.", "__reserved"))
        .isInstanceOf(IllegalArgumentException.class);
    metrics.histogram("lat", "L.", 1);
    assertThatThrownBy(() -> metrics.gauge("lat_count", "Collides."))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("collides");
    Metrics.Family<Metrics.Counter> two = metrics.counterFamily("two_total", "T.", "a", "b");
    assertThatThrownBy(() -> two.labels("only-one")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.counter("dec_total", "D.").add(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theTestParserIsStrict() {
    String histogram = """
        # HELP h H.
        # TYPE h histogram
        h_bucket{le="1"} 1
        h_bucket{le="+Inf"} 2
        h_sum 3
        h_count %s
        """;
    assertThat(PrometheusText.parse(histogram.formatted("2"))).containsKey("h");
    assertThatThrownBy(() -> PrometheusText.parse(histogram.formatted("3")))
        .isInstanceOf(PrometheusText.MalformedException.class).hasMessageContaining("_count");
    assertThatThrownBy(() -> PrometheusText.parse("""
        # TYPE h histogram
        h_bucket{le="1"} 1
        h_sum 1
        h_count 1
        """)).hasMessageContaining("+Inf");
    assertThatThrownBy(() -> PrometheusText.parse("x 1\n")).hasMessageContaining("outside");
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE x gauge\nx 1\nx 2\n"))
        .hasMessageContaining("duplicate");
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE x gauge\nx{a=\"1\",} 1\n"))
        .hasMessageContaining("commas");
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE x gauge\nx one\n"))
        .hasMessageContaining("not a value");
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE x gauge\nx 1"))
        .hasMessageContaining("line feed");
  }
}
