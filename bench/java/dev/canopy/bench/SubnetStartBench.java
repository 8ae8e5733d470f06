package dev.canopy.bench;

import dev.canopy.node.LocalSubnet;
import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the distributed key generation costs a subnet of four replicas in one process ({@link
 * LocalSubnet}, conf/application.conf: 200 ms rounds, H2 journals): the time from launch to every
 * replica healthy on a fresh genesis (the replicas generate both threshold keys through consensus,
 * then certify), against a single node's start (which makes its 1-of-1 key at genesis), both
 * measured in the same run, alternating; and the time one replica of the running subnet takes to
 * be healthy again after a restart (it loads its shares, no key generation). Reported: median
 * (min) seconds of each, the first certified height after the subnet's start (the key generation
 * closes at height 10 when nothing goes wrong), and the ratio.
 *
 * <p>Usage: {@code bench/run SubnetStartBench [rounds, default 3]}.
 */
public final class SubnetStartBench {
  private static final int REPLICAS = 4;

  private SubnetStartBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    List<Double> single = new ArrayList<>();
    List<Double> fresh = new ArrayList<>();
    List<Double> again = new ArrayList<>();
    List<Long> firstCertified = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Path singleDir = Files.createTempDirectory("canopy-start-bench-single");
      long t0 = System.nanoTime();
      try (Node node = Node.start(config(singleDir))) {
        single.add((System.nanoTime() - t0) / 1e9);
      }
      Path subnetDir = Files.createTempDirectory("canopy-start-bench-subnet");
      t0 = System.nanoTime();
      try (LocalSubnet subnet = LocalSubnet.start(config(subnetDir), REPLICAS)) {
        fresh.add((System.nanoTime() - t0) / 1e9);
        firstCertified.add(subnet.node(0).latestState().orElseThrow().certified().certification().height());
        t0 = System.nanoTime();
        Node restarted = subnet.restart(1);
        again.add((System.nanoTime() - t0) / 1e9);
        if (!restarted.keySharesSource().equals("loaded")) {
          throw new IllegalStateException("the restarted replica did not load its shares");
        }
      }
      System.out.printf("round %d: single node %.1f s, subnet with key generation %.1f s (first certified"
          + " height %d), one replica restarted %.1f s%n", round + 1, single.get(round), fresh.get(round),
          firstCertified.get(round), again.get(round));
    }
    System.out.printf("%nmedian (min) seconds from launch to healthy, %d rounds:%n", rounds);
    System.out.printf("  single node                          %5.1f (%.1f)%n", median(single), Collections.min(single));
    System.out.printf("  %d replicas, fresh genesis (with DKG) %5.1f (%.1f)%n", REPLICAS, median(fresh), Collections.min(fresh));
    System.out.printf("  one replica restarted (shares loaded)  %5.1f (%.1f)%n", median(again), Collections.min(again));
    System.out.printf("  ratio subnet with key generation / single node: %.2f%n", median(fresh) / median(single));
  }

  private static NodeConfig config(Path dataDir) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("canopy.node.data-dir", dataDir.toString());
    overrides.put("canopy.node.http.port", 0);
    overrides.put("canopy.node.management.port", 0);
    overrides.put("canopy.node.cluster.port", 0);
    overrides.put("canopy.node.startup-timeout-ms", 180_000);
    return NodeConfig.load(Path.of("conf", "application.conf"), overrides);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
