package dev.canopy.consensus;

import dev.canopy.consensus.Artifact.BlockProposal;
import dev.canopy.consensus.Artifact.Finalization;
import dev.canopy.consensus.Artifact.FinalizationShare;
import dev.canopy.consensus.Artifact.Notarization;
import dev.canopy.consensus.Artifact.NotarizationShare;
import dev.canopy.consensus.Artifact.RandomBeacon;
import dev.canopy.consensus.Artifact.RandomBeaconShare;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.dkg.DishonestDealings;
import dev.canopy.crypto.dkg.Dkg;
import dev.canopy.crypto.dkg.DkgConfig;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A deterministic simulation of one subnet: n replicas in one thread on virtual time, a seeded
 * network that delays, drops, duplicates, reorders and partitions messages, and Byzantine
 * replicas. Messages travel as canonical CBOR bytes, so the codec is on the path. After every
 * step it checks that no two honest replicas finalize or deliver different things at a height,
 * that batches come once each in height order, that no forged artifact is ever validated and,
 * when the scenario promises liveness, that every honest replica delivers again within a bound
 * after the network heals. A violation throws a {@link SimulationFailure} naming the seed with the
 * last events.
 *
 * <p>A scenario {@link Scenario#withKeyGeneration with key generation} starts the replicas without
 * threshold keys: they deal (some of them dishonestly), generate both keys on the chain, derive
 * their shares when the key generation closes, and go on with the threshold beacon. Every beacon
 * an honest replica validates is checked: the bootstrap hash chain up to the closing height, a
 * signature under the generated beacon key after it.
 */
final class SubnetSimulation {

  /** How a replica departs from the protocol, from {@code fromMs} on. */
  enum Behavior {
    HONEST,
    /** Sends nothing, answers nothing (a crash). */
    SILENT,
    /** Proposes two different blocks for each of its turns, to different halves of the subnet. */
    EQUIVOCATING_MAKER,
    /** Also sends copies of its artifacts with broken signatures, forgeries in others' names and garbage bytes. */
    INVALID_SIGNATURES,
    /** Notarization-shares and finalization-shares every block it sees. */
    CONFLICTING_SHARES,
    /** Honest in consensus, but its dealings have the wrong number of commitments, also in its own blocks. */
    INVALID_DEALING,
    /** Honest in consensus, but its dealings give the next replica a share that fails the commitments. */
    BAD_SHARE_DEALER,
    /** Honest in consensus, but never deals. */
    SILENT_DEALER
  }

  record Fault(Behavior behavior, long fromMs) {}

  /** Messages between {@code side} and the rest are lost during [fromMs, untilMs). */
  record Partition(long fromMs, long untilMs, Set<Integer> side) {}

  record Network(long minDelayMs, long maxDelayMs, double dropProbability, double duplicateProbability,
      double reorderProbability) {
    static Network good() {
      return new Network(5, 60, 0.0, 0.0, 0.0);
    }

    static Network lossy() {
      return new Network(5, 80, 0.05, 0.05, 0.1);
    }
  }

  record Scenario(String name, int n, Map<Integer, Fault> faults, Network network, List<Partition> partitions,
      long durationMs, boolean expectLiveness, long progressBoundMs, ConsensusParameters parameters,
      KeyGeneration.Schedule keyGeneration, int oneCallInTicks) {
    Scenario {
      faults = new TreeMap<>(faults);
      partitions = List.copyOf(partitions);
    }

    static Scenario of(String name, int n, long durationMs) {
      return new Scenario(name, n, Map.of(), Network.good(), List.of(), durationMs, true, 3_000, defaultParameters(),
          null, 4);
    }

    Scenario with(int replica, Behavior behavior, long fromMs) {
      Map<Integer, Fault> f = new TreeMap<>(faults);
      f.put(replica, new Fault(behavior, fromMs));
      return new Scenario(name, n, f, network, partitions, durationMs, expectLiveness, progressBoundMs, parameters,
          keyGeneration, oneCallInTicks);
    }

    Scenario with(Network network) {
      return new Scenario(name, n, faults, network, partitions, durationMs, expectLiveness, progressBoundMs, parameters,
          keyGeneration, oneCallInTicks);
    }

    Scenario with(Partition partition) {
      List<Partition> p = new ArrayList<>(partitions);
      p.add(partition);
      return new Scenario(name, n, faults, network, p, durationMs, expectLiveness, progressBoundMs, parameters,
          keyGeneration, oneCallInTicks);
    }

    Scenario withoutLiveness() {
      return new Scenario(name, n, faults, network, partitions, durationMs, false, progressBoundMs, parameters,
          keyGeneration, oneCallInTicks);
    }

    /** The replicas start without threshold keys and generate them on this schedule. */
    Scenario withKeyGeneration(KeyGeneration.Schedule schedule) {
      return new Scenario(name, n, faults, network, partitions, durationMs, expectLiveness, progressBoundMs, parameters,
          schedule, oneCallInTicks);
    }

    /** These consensus parameters (e.g. with busy rounds) for every replica. */
    Scenario with(ConsensusParameters parameters) {
      return new Scenario(name, n, faults, network, partitions, durationMs, expectLiveness, progressBoundMs, parameters,
          keyGeneration, oneCallInTicks);
    }

    /** At each of its ticks a replica gets a new call with chance 1 in {@code ticks} (0: never, an idle subnet). */
    Scenario withOneCallIn(int ticks) {
      return new Scenario(name, n, faults, network, partitions, durationMs, expectLiveness, progressBoundMs, parameters,
          keyGeneration, ticks);
    }

    boolean isHonest(int replica) {
      Fault f = faults.get(replica);
      return f == null || f.behavior() == Behavior.HONEST;
    }

    /** Honest in consensus (a dishonest dealer otherwise follows the protocol). */
    boolean followsConsensus(int replica) {
      Fault f = faults.get(replica);
      return f == null || EnumSet.of(Behavior.HONEST, Behavior.INVALID_DEALING, Behavior.BAD_SHARE_DEALER,
          Behavior.SILENT_DEALER).contains(f.behavior());
    }
  }

  static ConsensusParameters defaultParameters() {
    return ConsensusParameters.defaults().withDelays(300, 150).withBlockLimits(20, 64 * 1024);
  }

  /**
   * What a run leaves behind for the test to look at; with key generation, what each replica that
   * follows consensus (dishonest dealers included) derived ({@code keysByReplica}, {@code
   * recordsByReplica}: the record it installed last) and how many threshold-signed beacons honest
   * replicas validated ({@code thresholdBeacons}). {@code meanCallLatencyMs}: from a call's
   * submission to the first honest replica's delivery of it, over the calls delivered.
   */
  record Result(long seed, Map<Integer, List<Batch>> deliveredByHonest, TreeMap<Long, Hash> finalizedBlocks,
      int forgeriesSent, int forgeriesRejected, long messagesDelivered, int signatureChecks,
      Map<Integer, SubnetKeys> keysByReplica, Map<Integer, KeyGenerationRecord> recordsByReplica, int thresholdBeacons,
      double meanCallLatencyMs) {
    long minDeliveredHeight() {
      return deliveredByHonest.values().stream().mapToLong(List::size).min().orElse(0);
    }
  }

  static final class SimulationFailure extends AssertionError {
    SimulationFailure(String message) {
      super(message);
    }
  }

  static final long TICK_MS = 50;
  static final long RETRANSMIT_INTERVAL_MS = 1_000;
  static final int TRACE_LINES = 60;
  static final int MAX_STEPS_PER_WAKE = 200;

  private final Scenario scenario;
  private final long seed;
  private final DeterministicRandom random;
  private final TestSubnet subnet;
  private final MemoizingSignatureVerifier verifier = new MemoizingSignatureVerifier(SignatureVerifier.DIRECT);
  private final List<Replica> replicas = new ArrayList<>();
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final Deque<String> trace = new ArrayDeque<>();
  private final TreeMap<Long, Hash> finalizedAt = new TreeMap<>();
  private final TreeMap<Long, Batch> deliveredAt = new TreeMap<>();
  private final Set<Hash> forgedIds = new HashSet<>();
  private int thresholdBeacons;
  private long eventSeq;
  private long now;
  private long messagesDelivered;
  private int forgeriesRejected;
  private final Map<Hash, Long> submittedAtMs = new java.util.HashMap<>();
  private long callLatencySumMs;
  private long callLatenciesMs;

  private SubnetSimulation(Scenario scenario, long seed) {
    this.scenario = scenario;
    this.seed = seed;
    this.random = DeterministicRandom.fromSeed(seed);
    this.subnet = scenario.keyGeneration() == null
        ? TestSubnet.create(scenario.n(), seed)
        : TestSubnet.generatingKeys(scenario.n(), seed, scenario.keyGeneration());
    for (int i = 0; i < scenario.n(); i++) {
      replicas.add(new Replica(i));
    }
  }

  static Result run(Scenario scenario, long seed) {
    return new SubnetSimulation(scenario, seed).run();
  }

  private Result run() {
    for (Replica r : replicas) {
      deal(r);
    }
    for (Replica r : replicas) {
      schedule(random.nextLong(TICK_MS), new Tick(r.index));
    }
    while (!events.isEmpty()) {
      Event e = events.poll();
      if (e.timeMs > scenario.durationMs()) {
        break;
      }
      now = e.timeMs;
      if (e.action instanceof Tick t) {
        tick(replicas.get(t.replica));
        schedule(now + TICK_MS, t);
      } else if (e.action instanceof Delivery d) {
        deliver(d);
      }
    }
    checkLivenessAtEnd();
    Map<Integer, List<Batch>> delivered = new TreeMap<>();
    Map<Integer, SubnetKeys> keys = new TreeMap<>();
    Map<Integer, KeyGenerationRecord> records = new TreeMap<>();
    for (Replica r : replicas) {
      if (scenario.isHonest(r.index)) {
        delivered.put(r.index, List.copyOf(r.delivered));
      }
      if (scenario.followsConsensus(r.index)) {
        r.step.config().keys().ifPresent(k -> keys.put(r.index, k));
        r.step.config().keyGeneration().ifPresent(k -> records.put(r.index, k));
      }
    }
    return new Result(seed, delivered, new TreeMap<>(finalizedAt), forgedIds.size(), forgeriesRejected,
        messagesDelivered, verifier.checks, keys, records, thresholdBeacons,
        callLatenciesMs == 0 ? Double.NaN : (double) callLatencySumMs / callLatenciesMs);
  }

  // ---- key generation ----

  /** A replica's dealings at the start, honest or as its behaviour has it. */
  private void deal(Replica r) {
    if (r.step.config().keyGeneration().isEmpty() || r.isSilent(0)) {
      return;
    }
    DeterministicRandom dealerRandom = DeterministicRandom.fromSeed(seed * 1_000_003L + r.index);
    List<Artifact> dealings = new ArrayList<>(r.step.ownDealings(dealerRandom));
    KeyGeneration setup = subnet.keyGeneration.orElseThrow();
    Behavior behavior = r.behavior(0);
    if (behavior == Behavior.SILENT_DEALER) {
      return;
    }
    if (behavior == Behavior.INVALID_DEALING) {
      dealings.clear();
      for (KeyGeneration.Key key : KeyGeneration.Key.values()) {
        DkgConfig right = setup.config(key);
        DkgConfig wrong = DkgConfig.fresh(right.instanceId(), right.threshold() + 1 > right.receiverCount()
            ? right.threshold() - 1 : right.threshold() + 1, right.dealers(), right.receivers());
        Artifact.KeyDealing bad = new Artifact.KeyDealing(Dkg.deal(wrong, r.index + 1, r.config().nodeKey(), dealerRandom));
        forgedIds.add(bad.id());
        r.invalidDealings.add(bad);
        dealings.add(bad);
      }
    } else if (behavior == Behavior.BAD_SHARE_DEALER) {
      List<Artifact> honest = dealings;
      dealings = new ArrayList<>();
      int victim = (r.index + 1) % scenario.n();
      for (Artifact a : honest) {
        DkgDealing d = ((Artifact.KeyDealing) a).dealing();
        DkgConfig config = setup.config(setup.keyOf(d.instanceId()).orElseThrow());
        dealings.add(new Artifact.KeyDealing(
            DishonestDealings.withWrongShareFor(config, d, victim + 1, r.config().nodeKey())));
      }
      trace("replica " + r.index + " deals a bad share to replica " + victim);
    }
    for (Artifact a : dealings) {
      r.pool.receive(a, r.localTime(now));
      broadcast(r, a);
    }
  }

  /** After a step: install the key generation's record at a closing height, and the keys it gave. */
  private void installKeyGeneration(Replica r) {
    r.step.keyGenerationProgress(r.pool).ifPresent(record -> {
      SubnetConfig config = r.step.config();
      Optional<SubnetKeys> keys = Optional.empty();
      if (record.isClosed()) {
        keys = Optional.of(SubnetKeys.derive(record, r.index, config.dkgKey().orElseThrow()));
        r.pool.purgeKeyGeneration();
        trace("t=" + now + " replica " + r.index + " has the keys (closed at " + record.height() + ")");
      } else {
        trace("t=" + now + " replica " + r.index + ": key generation open at " + record.height());
      }
      r.step = r.step.withConfig(config.withRecord(record, keys));
    });
  }

  /** A block of a dishonest dealer at a dealing height carries its invalid dealings, re-signed. */
  private Optional<BlockProposal> withInvalidDealings(Replica r, BlockProposal p) {
    Block b = p.block();
    KeyGeneration setup = subnet.keyGeneration.orElseThrow();
    if (r.invalidDealings.isEmpty() || !b.payload().messages().isEmpty() || !setup.schedule().dealingsAllowedAt(b.height())
        || r.step.config().beaconMode(b.height()) != SubnetConfig.BeaconMode.BOOTSTRAP) {
      return Optional.empty();
    }
    List<Artifact.KeyDealing> dealings = new ArrayList<>(b.payload().keyGeneration().dealings());
    dealings.addAll(r.invalidDealings);
    Block forged = new Block(b.height(), b.parentHash(), b.rank(), b.maker(), b.timeMs(),
        new Payload(List.of(), new DkgPayload(dealings, b.payload().keyGeneration().complaints())));
    BlockProposal proposal = BlockProposal.sign(forged, r.config().nodeKey());
    forgedIds.add(proposal.id());
    return Optional.of(proposal);
  }

  // ---- events ----

  private record Event(long timeMs, long seq, Object action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      return timeMs != o.timeMs ? Long.compare(timeMs, o.timeMs) : Long.compare(seq, o.seq);
    }
  }

  private record Tick(int replica) {}

  /** A message on the wire: artifact bytes or a retransmission request. */
  private record Delivery(int from, int to, byte[] artifactBytes, RetransmissionRequest request) {}

  private void schedule(long atMs, Object action) {
    events.add(new Event(atMs, eventSeq++, action));
  }

  private void tick(Replica r) {
    if (r.isSilent(now)) {
      return;
    }
    // Clients submit to a random replica now and then.
    if (scenario.oneCallInTicks() > 0 && random.nextInt(scenario.oneCallInTicks()) == 0) {
      byte[] content = new byte[16 + random.nextInt(48)];
      random.nextBytes(content);
      IngressMessage call = TestIngressPool.message(content);
      r.ingress.submit(call);
      submittedAtMs.putIfAbsent(call.messageId(), now);
    }
    if (r.localTime(now) >= r.nextRetransmitRequestMs) {
      r.nextRetransmitRequestMs = r.localTime(now) + RETRANSMIT_INTERVAL_MS;
      RetransmissionRequest request = r.step.retransmissionRequest(r.pool, r.nextBatchHeight);
      for (Replica peer : replicas) {
        if (peer != r) {
          send(r.index, peer.index, null, request);
        }
      }
    }
    wake(r);
  }

  private void deliver(Delivery d) {
    Replica r = replicas.get(d.to);
    messagesDelivered++;
    if (r.isSilent(now)) {
      return;
    }
    if (d.request != null) {
      for (Artifact a : r.step.retransmission(r.pool, d.request)) {
        send(r.index, d.from, a.toBytes(), null);
      }
      return;
    }
    Artifact artifact;
    try {
      artifact = ArtifactCodec.decode(d.artifactBytes);
    } catch (InvalidInputException e) {
      return; // garbage from a Byzantine replica: dropped, as the network layer would
    }
    if (r.pool.receive(artifact, r.localTime(now))) {
      wake(r);
    }
  }

  // ---- network ----

  private void send(int from, int to, byte[] bytes, RetransmissionRequest request) {
    for (Partition p : scenario.partitions()) {
      if (now >= p.fromMs() && now < p.untilMs() && p.side().contains(from) != p.side().contains(to)) {
        return;
      }
    }
    Network net = scenario.network();
    if (random.nextDouble() < net.dropProbability()) {
      return;
    }
    int copies = random.nextDouble() < net.duplicateProbability() ? 2 : 1;
    for (int c = 0; c < copies; c++) {
      long delay = net.minDelayMs() + random.nextLong(net.maxDelayMs() - net.minDelayMs() + 1);
      if (random.nextDouble() < net.reorderProbability()) {
        delay += random.nextLong(4 * net.maxDelayMs());
      }
      schedule(now + delay, new Delivery(from, to, bytes, request));
    }
  }

  private void broadcast(Replica from, Artifact a) {
    byte[] bytes = a.toBytes();
    for (Replica peer : replicas) {
      if (peer != from) {
        send(from.index, peer.index, bytes, null);
      }
    }
  }

  // ---- one replica ----

  private final class Replica {
    final int index;
    final ArtifactPool pool;
    ConsensusStep step;
    final List<Artifact.KeyDealing> invalidDealings = new ArrayList<>();
    final TestIngressPool ingress = new TestIngressPool();
    final long clockSkewMs;
    final List<Batch> delivered = new ArrayList<>();
    final Set<Hash> deliveredMessages = new HashSet<>();
    final Set<Hash> conflictingSharesSent = new TreeSet<>();
    long nextBatchHeight = 1;
    long nextRetransmitRequestMs;
    long lastProgressMs;

    Replica(int index) {
      this.index = index;
      this.pool = subnet.newPool(scenario.parameters());
      this.step = new ConsensusStep(subnet.configs.get(index), scenario.parameters(), ingress, verifier);
      this.clockSkewMs = random.nextLong(41) - 20;
    }

    long localTime(long virtualMs) {
      return Math.max(0, virtualMs + clockSkewMs);
    }

    Behavior behavior(long atMs) {
      Fault f = scenario.faults().get(index);
      return f == null || atMs < f.fromMs() ? Behavior.HONEST : f.behavior();
    }

    boolean isSilent(long atMs) {
      return behavior(atMs) == Behavior.SILENT;
    }

    boolean isHonest() {
      return scenario.isHonest(index);
    }

    SubnetConfig config() {
      return step.config();
    }
  }

  private void wake(Replica r) {
    long local = r.localTime(now);
    for (int i = 0; i < MAX_STEPS_PER_WAKE; i++) {
      PoolChanges changes = r.step.onStateChange(r.pool, local, r.nextBatchHeight);
      if (changes.isEmpty(r.pool.purgedBelowHeight())) {
        if (r.behavior(now) == Behavior.CONFLICTING_SHARES) {
          sendConflictingShares(r);
        }
        return;
      }
      List<Artifact> added = r.pool.apply(changes, local);
      if (r.isHonest()) {
        for (PoolChanges.Rejection rej : changes.toReject()) {
          if (forgedIds.contains(rej.artifactId())) {
            forgeriesRejected++;
          }
        }
      }
      for (Artifact a : changes.toSend()) {
        send(r, a);
      }
      for (Batch b : changes.toDeliver()) {
        deliverBatch(r, b);
      }
      if (r.isHonest()) {
        checkAdded(r, added);
      }
      installKeyGeneration(r);
    }
    fail("replica " + r.index + " did not settle within " + MAX_STEPS_PER_WAKE + " steps");
  }

  private void send(Replica r, Artifact a) {
    Behavior behavior = r.behavior(now);
    if (behavior == Behavior.SILENT) {
      return;
    }
    if (behavior == Behavior.EQUIVOCATING_MAKER && a instanceof BlockProposal p) {
      equivocate(r, p);
      return;
    }
    if (behavior == Behavior.INVALID_DEALING && a instanceof BlockProposal p) {
      Optional<BlockProposal> forged = withInvalidDealings(r, p);
      if (forged.isPresent()) {
        trace("t=" + now + " replica " + r.index + " proposes a block with invalid dealings at h=" + p.height());
        broadcast(r, forged.get());
        return;
      }
    }
    broadcast(r, a);
    if (behavior == Behavior.INVALID_SIGNATURES) {
      for (Artifact forged : forgeries(r, a)) {
        forgedIds.add(forged.id());
        broadcast(r, forged);
      }
      byte[] garbage = new byte[1 + random.nextInt(40)];
      random.nextBytes(garbage);
      for (Replica peer : replicas) {
        if (peer != r) {
          send(r.index, peer.index, garbage, null);
        }
      }
    }
  }

  /** A second block for the same turn, with another payload; each half of the subnet gets one of the two. */
  private void equivocate(Replica r, BlockProposal original) {
    Block b = original.block();
    byte[] content = new byte[24];
    random.nextBytes(content);
    List<IngressMessage> messages = new ArrayList<>(b.payload().messages());
    messages.add(TestIngressPool.message(content));
    Block twin = new Block(b.height(), b.parentHash(), b.rank(), b.maker(), b.timeMs(), new Payload(messages));
    BlockProposal twinProposal = BlockProposal.sign(twin, r.config().nodeKey());
    NotarizationShare twinShare = NotarizationShare.sign(twin.height(), twin.hash(), r.config().self(), r.config().nodeKey());
    trace("t=" + now + " replica " + r.index + " equivocates at h=" + b.height() + ": "
        + b.hash().shortHex() + " / " + twin.hash().shortHex());
    byte[] first = original.toBytes();
    byte[] second = twinProposal.toBytes();
    for (Replica peer : replicas) {
      if (peer != r) {
        send(r.index, peer.index, peer.index % 2 == 0 ? first : second, null);
        send(r.index, peer.index, twinShare.toBytes(), null);
      }
    }
  }

  /** Copies of {@code a} that must not validate: a flipped signature bit, or a claim to be another node. */
  private List<Artifact> forgeries(Replica r, Artifact a) {
    NodeId victim = subnet.membership.node((r.index + 1) % subnet.membership.size());
    List<Artifact> out = new ArrayList<>();
    if (a instanceof BlockProposal p) {
      out.add(new BlockProposal(p.block(), flip(p.signature())));
      Block b = p.block();
      Block claimed = new Block(b.height(), b.parentHash(), b.rank(), victim, b.timeMs(), b.payload());
      out.add(new BlockProposal(claimed, p.signature()));
    } else if (a instanceof NotarizationShare s) {
      out.add(new NotarizationShare(s.height(), s.blockHash(), new NodeSignature(s.signature().signer(), flip(s.signature().signature()))));
      out.add(new NotarizationShare(s.height(), s.blockHash(), new NodeSignature(victim, s.signature().signature())));
    } else if (a instanceof FinalizationShare s) {
      out.add(new FinalizationShare(s.height(), s.blockHash(), new NodeSignature(s.signature().signer(), flip(s.signature().signature()))));
      out.add(new FinalizationShare(s.height(), s.blockHash(), new NodeSignature(victim, s.signature().signature())));
    } else if (a instanceof RandomBeaconShare s) {
      out.add(new RandomBeaconShare(s.height(), s.parentBeaconHash(), s.signer(), flip(s.share())));
      out.add(new RandomBeaconShare(s.height(), s.parentBeaconHash(), victim, s.share()));
    } else if (a instanceof RandomBeacon b) {
      out.add(new RandomBeacon(b.height(), b.parentBeaconHash(), flip(b.signature())));
    } else if (a instanceof Notarization n) {
      List<NodeSignature> sigs = new ArrayList<>(n.signatures());
      NodeSignature last = sigs.remove(sigs.size() - 1);
      sigs.add(new NodeSignature(last.signer(), flip(last.signature())));
      out.add(new Notarization(n.height(), n.blockHash(), sigs));
    } else if (a instanceof Finalization f) {
      List<NodeSignature> sigs = new ArrayList<>(f.signatures());
      NodeSignature last = sigs.remove(sigs.size() - 1);
      sigs.add(new NodeSignature(last.signer(), flip(last.signature())));
      out.add(new Finalization(f.height(), f.blockHash(), sigs));
    }
    return out;
  }

  private byte[] flip(byte[] signature) {
    byte[] copy = signature.clone();
    copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
    return copy;
  }

  /** Supports every block it has above its finalized height, notarized or not. */
  private void sendConflictingShares(Replica r) {
    for (long h = r.pool.finalizedHeight() + 1; h <= r.pool.maxHeight(); h++) {
      for (BlockProposal p : r.pool.blocks(h)) {
        Hash hash = p.block().hash();
        if (r.conflictingSharesSent.add(hash)) {
          broadcast(r, NotarizationShare.sign(h, hash, r.config().self(), r.config().nodeKey()));
          broadcast(r, FinalizationShare.sign(h, hash, r.config().self(), r.config().nodeKey()));
        }
      }
    }
  }

  // ---- invariants ----

  private void deliverBatch(Replica r, Batch b) {
    if (b.height() != r.nextBatchHeight) {
      fail("replica " + r.index + " got batch " + b.height() + ", expected " + r.nextBatchHeight);
    }
    r.nextBatchHeight++;
    r.delivered.add(b);
    r.ingress.delivered(b);
    r.lastProgressMs = now;
    if (!r.isHonest()) {
      return;
    }
    trace("t=" + now + " replica " + r.index + " delivers " + b);
    for (IngressMessage m : b.messages()) {
      if (!r.deliveredMessages.add(m.messageId())) {
        fail("replica " + r.index + " delivered message " + m.messageId().shortHex() + " twice");
      }
      Long submitted = submittedAtMs.remove(m.messageId());
      if (submitted != null) {
        callLatencySumMs += now - submitted;
        callLatenciesMs++;
      }
    }
    Batch other = deliveredAt.putIfAbsent(b.height(), b);
    if (other != null && !other.equals(b)) {
      fail("replicas delivered different batches at height " + b.height() + ": " + other + " and " + b);
    }
  }

  private void checkAdded(Replica r, List<Artifact> added) {
    for (Artifact a : added) {
      if (forgedIds.contains(a.id())) {
        fail("replica " + r.index + " validated a forged artifact " + a);
      }
      if (a instanceof Finalization f) {
        Hash other = finalizedAt.putIfAbsent(f.height(), f.blockHash());
        if (other != null && !other.equals(f.blockHash())) {
          fail("two blocks finalized at height " + f.height() + ": " + other.shortHex() + " and " + f.blockHash().shortHex());
        }
        trace("t=" + now + " replica " + r.index + " has " + f);
      }
      if (r.pool.finalizations(a.height()).size() > 1) {
        fail("replica " + r.index + " holds two finalizations at height " + a.height());
      }
      if (a instanceof RandomBeacon b) {
        checkBeacon(r, b);
      }
    }
    checkLiveness(r);
  }

  /** A bootstrap beacon up to the closing height, a signature under the generated key after it. */
  private void checkBeacon(Replica r, RandomBeacon b) {
    SubnetConfig config = r.config();
    if (config.keyGeneration().isEmpty()) {
      return;
    }
    KeyGenerationRecord record = config.keyGeneration().get();
    if (b.height() <= record.lastBootstrapHeightKnown()) {
      if (!b.equals(RandomBeacon.bootstrap(b.height(), b.parentBeaconHash()))) {
        fail("replica " + r.index + " validated a beacon at bootstrap height " + b.height() + " that is not the hash chain's");
      }
      return;
    }
    SubnetKeys keys = config.keys().orElseThrow(() -> new AssertionError("a beacon above the bootstrap without keys"));
    if (!BlsSignatureScheme.verify(keys.beacon().groupPublicKey(), RandomBeacon.signedMessage(b.height(), b.parentBeaconHash()),
        b.signature())) {
      fail("replica " + r.index + " validated beacon " + b.height() + " that the generated beacon key did not sign");
    }
    thresholdBeacons++;
  }

  private long healedAtMs() {
    long healed = 0;
    for (Partition p : scenario.partitions()) {
      healed = Math.max(healed, p.untilMs());
    }
    return healed;
  }

  private void checkLiveness(Replica r) {
    if (!scenario.expectLiveness()) {
      return;
    }
    long since = Math.max(healedAtMs(), r.lastProgressMs);
    if (now - since > scenario.progressBoundMs()) {
      fail("replica " + r.index + " delivered nothing for " + (now - since) + " ms after t=" + since);
    }
  }

  private void checkLivenessAtEnd() {
    if (!scenario.expectLiveness()) {
      return;
    }
    long end = Math.min(now, scenario.durationMs());
    for (Replica r : replicas) {
      if (r.isHonest()) {
        long healed = healedAtMs();
        long since = Math.max(healed, r.lastProgressMs);
        if (end - since > scenario.progressBoundMs()) {
          fail("replica " + r.index + " delivered nothing after t=" + since + " (run ended at " + end + ")");
        }
        if (healed > 0 && end - healed >= scenario.progressBoundMs() && r.lastProgressMs <= healed) {
          fail("replica " + r.index + " delivered nothing after the network healed at t=" + healed);
        }
      }
    }
  }

  private void trace(String line) {
    if (trace.size() == TRACE_LINES) {
      trace.removeFirst();
    }
    trace.addLast(line);
  }

  private void fail(String message) {
    StringBuilder sb = new StringBuilder();
    sb.append("simulation '").append(scenario.name()).append("' failed with seed ").append(seed)
        .append(" at t=").append(now).append(" ms: ").append(message).append('\n')
        .append("reproduce: SubnetSimulation.run(<scenario '").append(scenario.name()).append("'>, ")
        .append(seed).append("L)\nlast events:\n");
    for (String line : trace) {
      sb.append("  ").append(line).append('\n');
    }
    throw new SimulationFailure(sb.toString());
  }
}
