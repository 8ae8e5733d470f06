package dev.canopy.consensus;

import dev.canopy.consensus.Artifact.BlockProposal;
import dev.canopy.consensus.Artifact.Finalization;
import dev.canopy.consensus.Artifact.FinalizationShare;
import dev.canopy.consensus.Artifact.Notarization;
import dev.canopy.consensus.Artifact.NotarizationShare;
import dev.canopy.consensus.Artifact.RandomBeacon;
import dev.canopy.consensus.Artifact.RandomBeaconShare;
import dev.canopy.consensus.KeyGeneration.Key;
import dev.canopy.consensus.SubnetConfig.BeaconMode;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.Dkg;
import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.crypto.dkg.DkgException;
import dev.canopy.types.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Decides, for each unvalidated artifact, whether it is valid (move it), invalid or useless
 * (drop it), or not decidable yet (keep it: its parent, beacon or block has not arrived, or its
 * time is ahead of this replica's clock). Signatures are checked last, once nothing is missing.
 *
 * <p>During the key generation it also checks every dealing and complaint, gossiped or in a block
 * (see {@link #keyGenerationProblem}), and checks this replica's own share in each dealing it
 * meets for the first time, making the complaint when the share is bad.
 */
final class Validator {
  private enum Kind { VALID, INVALID, WAIT }

  private record Verdict(Kind kind, String reason) {
    static final Verdict VALID = new Verdict(Kind.VALID, "");
    static final Verdict WAIT = new Verdict(Kind.WAIT, "");

    static Verdict invalid(String reason) {
      return new Verdict(Kind.INVALID, reason);
    }
  }

  private final SubnetConfig config;
  private final SubnetMembership membership;
  private final ConsensusParameters parameters;
  private final PayloadSource payloads;
  private final SignatureVerifier verifier;

  Validator(SubnetConfig config, ConsensusParameters parameters, PayloadSource payloads, SignatureVerifier verifier) {
    this.config = config;
    this.membership = config.membership();
    this.parameters = parameters;
    this.payloads = payloads;
    this.verifier = verifier;
  }

  /**
   * What this pass has already found valid, so artifacts that build on each other (a run of
   * beacons, a notarization and its block, a chain of blocks) validate in one pass, as a replica
   * catching up receives them.
   */
  private static final class Pass {
    final ArtifactPool pool;
    final TreeMap<Long, Hash> beacons = new TreeMap<>();
    final Map<Hash, Block> blocks = new HashMap<>(); // lookup only
    final Set<Hash> notarized = new HashSet<>(); // lookup only
    final Set<Long> finalizedHeights = new TreeSet<>();
    int beaconSharesValidated; // for the height above the pool's beacon height, the only one checked
    final List<Artifact.KeyDealing> dealings = new ArrayList<>(); // dealings validated in this pass
    final Set<String> complaintSlots = new TreeSet<>(); // key/dealer/receiver of complaints validated in this pass
    final Map<Hash, Integer> notarizationSharesValidated = new HashMap<>(); // by block hash, lookup only
    final Map<Hash, Integer> finalizationSharesValidated = new HashMap<>(); // by block hash, lookup only
    final Set<Hash> sharesChecked = new HashSet<>(); // dealing artifacts whose own share this pass checked

    Pass(ArtifactPool pool) {
      this.pool = pool;
    }

    Optional<Hash> beaconHash(long height) {
      Hash h = beacons.get(height);
      return h != null ? Optional.of(h) : pool.beaconHash(height);
    }

    Optional<Block> block(long height, Hash hash) {
      Block b = blocks.get(hash);
      if (b != null && b.height() == height) {
        return Optional.of(b);
      }
      return pool.block(height, hash).map(BlockProposal::block);
    }

    boolean hasNotarization(long height, Hash hash) {
      return notarized.contains(hash) || pool.hasNotarization(height, hash);
    }

    boolean hasFinalization(long height) {
      return finalizedHeights.contains(height) || pool.finalization(height).isPresent();
    }
  }

  /**
   * @param made where complaints about this replica's own bad shares go (new artifacts of its own)
   */
  void validate(ArtifactPool pool, long nowMs, long nextBatchHeight, List<Hash> valid, List<PoolChanges.Rejection> rejected,
      List<Artifact> made) {
    Pass pass = new Pass(pool);
    validateBeaconChain(pool, pass, valid, rejected);
    List<ArtifactPool.Unvalidated> blocks = new ArrayList<>();
    List<ArtifactPool.Unvalidated> shares = new ArrayList<>();
    List<ArtifactPool.Unvalidated> dealings = new ArrayList<>();
    List<ArtifactPool.Unvalidated> complaints = new ArrayList<>();
    // Aggregates first: they need nothing but the members' keys.
    for (ArtifactPool.Unvalidated u : pool.unvalidated()) {
      Artifact a = u.artifact();
      Verdict v;
      if (a instanceof Notarization n) {
        v = checkNotarization(pass, n, nextBatchHeight);
        if (v.kind() == Kind.VALID) {
          pass.notarized.add(n.blockHash());
        }
      } else if (a instanceof Finalization f) {
        v = checkFinalization(pass, f, nextBatchHeight);
        if (v.kind() == Kind.VALID) {
          pass.finalizedHeights.add(f.height());
        }
      } else {
        if (a instanceof BlockProposal) {
          blocks.add(u);
        } else if (a instanceof Artifact.KeyDealing) {
          dealings.add(u);
        } else if (a instanceof Artifact.KeyComplaint) {
          complaints.add(u);
        } else if (!(a instanceof RandomBeacon)) {
          shares.add(u);
        }
        continue;
      }
      record(u, v, valid, rejected);
    }
    // Blocks by height (arrival order within one), so a chain validates at once.
    blocks.sort(java.util.Comparator.comparingLong(u -> u.artifact().height()));
    for (ArtifactPool.Unvalidated u : blocks) {
      BlockProposal p = (BlockProposal) u.artifact();
      Verdict v = checkBlock(pass, p, nowMs, nextBatchHeight);
      if (v.kind() == Kind.VALID) {
        pass.blocks.put(p.block().hash(), p.block());
        for (Artifact.KeyDealing d : p.block().payload().keyGeneration().dealings()) {
          checkOwnShare(pass, d, made); // a dealing this replica may not have seen gossiped
        }
      }
      record(u, v, valid, rejected);
    }
    // Dealings before complaints, so a complaint about a dealing arriving alongside it validates.
    for (ArtifactPool.Unvalidated u : dealings) {
      Artifact.KeyDealing d = (Artifact.KeyDealing) u.artifact();
      Verdict v = checkKeyDealing(pass, d, made);
      if (v.kind() == Kind.VALID) {
        pass.dealings.add(d);
      }
      record(u, v, valid, rejected);
    }
    for (ArtifactPool.Unvalidated u : complaints) {
      record(u, checkKeyComplaint(pass, (Artifact.KeyComplaint) u.artifact()), valid, rejected);
    }
    for (ArtifactPool.Unvalidated u : shares) {
      Artifact a = u.artifact();
      Verdict v;
      if (a instanceof NotarizationShare s) {
        v = checkNotarizationShare(pass, s);
        if (v.kind() == Kind.VALID) {
          pass.notarizationSharesValidated.merge(s.blockHash(), 1, Integer::sum);
        }
      } else if (a instanceof FinalizationShare s) {
        v = checkFinalizationShare(pass, s);
        if (v.kind() == Kind.VALID) {
          pass.finalizationSharesValidated.merge(s.blockHash(), 1, Integer::sum);
        }
      } else if (a instanceof RandomBeaconShare s) {
        // Shares beyond the t needed, or for a beacon that itself checked out, are not worth a
        // BLS check; they are dropped as stale once the beacon is in.
        boolean enough = pass.beacons.containsKey(s.height())
            || (s.height() == pool.beaconHeight() + 1
                && pool.beaconShares(s.height()).size() + pass.beaconSharesValidated
                    >= membership.beaconParameters().threshold());
        v = enough ? Verdict.WAIT : checkBeaconShare(pool, s);
        if (v.kind() == Kind.VALID) {
          pass.beaconSharesValidated++;
        }
      } else {
        throw new IllegalStateException("unknown artifact " + a);
      }
      record(u, v, valid, rejected);
    }
  }

  private static void record(ArtifactPool.Unvalidated u, Verdict v, List<Hash> valid, List<PoolChanges.Rejection> rejected) {
    if (v.kind() == Kind.VALID) {
      valid.add(u.id());
    } else if (v.kind() == Kind.INVALID) {
      rejected.add(new PoolChanges.Rejection(u.id(), u.artifact() + ": " + v.reason()));
    }
  }

  /**
   * Beacons in height order, each against the one before, so a replica catching up validates a
   * run of them in one pass instead of one per step.
   */
  private void validateBeaconChain(ArtifactPool pool, Pass pass, List<Hash> valid, List<PoolChanges.Rejection> rejected) {
    TreeMap<Long, List<ArtifactPool.Unvalidated>> byHeight = new TreeMap<>();
    for (ArtifactPool.Unvalidated u : pool.unvalidated()) {
      if (u.artifact() instanceof RandomBeacon b) {
        if (b.height() <= pool.beaconHeight()) {
          rejected.add(new PoolChanges.Rejection(u.id(), b + ": stale: beacon already known"));
        } else {
          byHeight.computeIfAbsent(b.height(), k -> new ArrayList<>()).add(u);
        }
      }
    }
    long h = pool.beaconHeight() + 1;
    Hash parent = pool.beaconHash(h - 1).orElseThrow();
    while (byHeight.containsKey(h)) {
      Hash next = null;
      for (ArtifactPool.Unvalidated u : byHeight.get(h)) {
        RandomBeacon b = (RandomBeacon) u.artifact();
        if (next != null) {
          break; // the rest of this height wait, and are dropped as stale next time
        }
        Verdict v = checkBeacon(b, parent);
        if (v.kind() == Kind.VALID) {
          valid.add(u.id());
          next = u.id();
        } else if (v.kind() == Kind.INVALID) {
          rejected.add(new PoolChanges.Rejection(u.id(), b + ": " + v.reason()));
        }
      }
      if (next == null) {
        break;
      }
      pass.beacons.put(h, next);
      parent = next;
      h++;
    }
  }

  private Verdict checkBlock(Pass pass, BlockProposal p, long nowMs, long nextBatchHeight) {
    ArtifactPool pool = pass.pool;
    Block b = p.block();
    long h = b.height();
    if (h == 0) {
      return Verdict.invalid("the genesis block is configured, never received");
    }
    if (h < nextBatchHeight) {
      return Verdict.invalid("stale: height already delivered");
    }
    Hash hash = b.hash();
    if (pass.block(h, hash).isPresent()) {
      return Verdict.invalid("duplicate");
    }
    Optional<Finalization> fin = pool.finalization(h);
    if (fin.isPresent() && !fin.get().blockHash().equals(hash)) {
      return Verdict.invalid("stale: another block of this height is finalized");
    }
    OptionalInt maker = membership.indexOf(b.maker());
    if (maker.isEmpty()) {
      return Verdict.invalid("maker is not a member of the subnet");
    }
    Optional<Hash> beacon = pass.beaconHash(h);
    if (beacon.isEmpty()) {
      return Verdict.WAIT;
    }
    int rank = new BlockMakerRanking(beacon.get(), membership.size()).rankOf(maker.getAsInt());
    if (rank != b.rank()) {
      return Verdict.invalid("maker has rank " + rank + ", block claims " + b.rank());
    }
    Optional<Block> parent = pass.block(h - 1, b.parentHash());
    boolean parentNotarized =
        parent.isPresent()
            && (pass.hasNotarization(h - 1, b.parentHash())
                || pool.finalization(h - 1).map(f -> f.blockHash().equals(b.parentHash())).orElse(false));
    if (!parentNotarized) {
      return h - 1 < pool.purgedBelowHeight() ? Verdict.invalid("parent below the purged height") : Verdict.WAIT;
    }
    if (b.timeMs() < parent.get().timeMs()) {
      return Verdict.invalid("time " + b.timeMs() + " is before the parent's " + parent.get().timeMs());
    }
    if (b.timeMs() > nowMs + parameters.maxClockDriftMs()) {
      return Verdict.WAIT; // ahead of our clock: valid later, if ever
    }
    Verdict keyGeneration = keyGenerationProblem(pass, b);
    if (keyGeneration.kind() != Kind.VALID) {
      return keyGeneration;
    }
    if (!b.payload().messages().isEmpty() && !payloads.readyToValidateMessages()) {
      return Verdict.WAIT;
    }
    Optional<String> payloadProblem = payloadProblem(pass, b);
    if (payloadProblem.isPresent()) {
      return Verdict.invalid(payloadProblem.get());
    }
    if (!verifier.verifyNodeSignature(
        membership.nodeKey(maker.getAsInt()), BlockProposal.signedMessage(hash), p.signature())) {
      return Verdict.invalid("maker's signature does not verify");
    }
    return Verdict.VALID;
  }

  private Optional<String> payloadProblem(Pass pass, Block b) {
    Payload payload = b.payload();
    if (payload.messages().size() > parameters.maxBlockMessages()) {
      return Optional.of("payload has " + payload.messages().size() + " messages, more than " + parameters.maxBlockMessages());
    }
    if (payload.sizeBytes() > parameters.maxBlockPayloadBytes()) {
      return Optional.of("payload has " + payload.sizeBytes() + " bytes, more than " + parameters.maxBlockPayloadBytes());
    }
    Set<Hash> ids = new HashSet<>();
    for (IngressMessage m : payload.messages()) {
      if (!ids.add(m.messageId())) {
        return Optional.of("message " + m.messageId().shortHex() + " appears twice");
      }
    }
    Predicate<Hash> ancestors = ConsensusStep.ancestorMessageIds(pass::block, pass.pool, b.height() - 1, b.parentHash());
    for (IngressMessage m : payload.messages()) {
      if (ancestors.test(m.messageId())) {
        return Optional.of("message " + m.messageId().shortHex() + " is already in an ancestor block");
      }
    }
    return payloads.invalidity(payload, b.timeMs());
  }

  private Verdict checkNotarizationShare(Pass pass, NotarizationShare s) {
    ArtifactPool pool = pass.pool;
    long h = s.height();
    if (h <= pool.finalizedHeight()) {
      return Verdict.invalid("stale: height already finalized");
    }
    if (pass.hasNotarization(h, s.blockHash())) {
      return Verdict.invalid("stale: block already notarized");
    }
    NodeSignature sig = s.signature();
    OptionalInt signer = membership.indexOf(sig.signer());
    if (signer.isEmpty()) {
      return Verdict.invalid("signer is not a member of the subnet");
    }
    if (pool.notarizationShares(h, s.blockHash()).containsKey(sig.signer())) {
      return Verdict.invalid("duplicate share");
    }
    if (pass.block(h, s.blockHash()).isEmpty()) {
      return Verdict.WAIT; // a share is only useful, and only checked, once we have its block
    }
    if (quorumInHand(pool.notarizationShares(h, s.blockHash()), pass.notarizationSharesValidated, s.blockHash())) {
      return Verdict.WAIT;
    }
    return verifySigner(signer.getAsInt(), NotarizationShare.signedMessage(h, s.blockHash()), sig.signature());
  }

  /**
   * Whether a block already has a quorum of valid shares of one kind: in the pool, or validated
   * earlier in this pass.
   *
   * <p>Note: a further share is then not checked: it adds nothing to the aggregate the quorum
   * makes, and once that exists the share is stale and dropped. Checking it cost one Ed25519
   * verification per replica per height for each share beyond the quorum. It waits rather than
   * being rejected, so nothing depends on which shares arrived first.
   */
  private boolean quorumInHand(Map<NodeId, ?> poolShares, Map<Hash, Integer> validatedThisPass, Hash blockHash) {
    return poolShares.size() + validatedThisPass.getOrDefault(blockHash, 0) >= membership.quorum();
  }

  private Verdict checkFinalizationShare(Pass pass, FinalizationShare s) {
    ArtifactPool pool = pass.pool;
    long h = s.height();
    if (h <= pool.finalizedHeight() || pass.hasFinalization(h)) {
      return Verdict.invalid("stale: height already finalized");
    }
    NodeSignature sig = s.signature();
    OptionalInt signer = membership.indexOf(sig.signer());
    if (signer.isEmpty()) {
      return Verdict.invalid("signer is not a member of the subnet");
    }
    if (pool.finalizationShares(h, s.blockHash()).containsKey(sig.signer())) {
      return Verdict.invalid("duplicate share");
    }
    if (quorumInHand(pool.finalizationShares(h, s.blockHash()), pass.finalizationSharesValidated, s.blockHash())) {
      return Verdict.WAIT;
    }
    return verifySigner(signer.getAsInt(), FinalizationShare.signedMessage(h, s.blockHash()), sig.signature());
  }

  private Verdict checkNotarization(Pass pass, Notarization n, long nextBatchHeight) {
    ArtifactPool pool = pass.pool;
    if (n.height() < nextBatchHeight) {
      return Verdict.invalid("stale: height already delivered");
    }
    if (pass.hasNotarization(n.height(), n.blockHash())) {
      return Verdict.invalid("duplicate");
    }
    return checkQuorum(
        n.signatures(),
        NotarizationShare.signedMessage(n.height(), n.blockHash()),
        pool.notarizationShares(n.height(), n.blockHash()));
  }

  private Verdict checkFinalization(Pass pass, Finalization f, long nextBatchHeight) {
    ArtifactPool pool = pass.pool;
    if (f.height() < nextBatchHeight) {
      return Verdict.invalid("stale: height already delivered");
    }
    if (pass.hasFinalization(f.height())) {
      // A second finalization of another block would be a safety failure; it is kept out either way.
      return Verdict.invalid("height already has a finalization");
    }
    return checkQuorum(
        f.signatures(),
        FinalizationShare.signedMessage(f.height(), f.blockHash()),
        pool.finalizationShares(f.height(), f.blockHash()));
  }

  /**
   * At least a quorum of distinct members, each signature valid. A signature equal to a share this
   * pool already validated is not checked again.
   */
  private Verdict checkQuorum(
      List<NodeSignature> signatures, byte[] message, Map<NodeId, ? extends Artifact> validatedShares) {
    if (signatures.size() < membership.quorum()) {
      return Verdict.invalid(signatures.size() + " signers, fewer than the quorum " + membership.quorum());
    }
    if (signatures.size() > membership.size()) {
      return Verdict.invalid("more signers than members");
    }
    Set<NodeId> seen = new TreeSet<>();
    for (NodeSignature s : signatures) {
      if (!seen.add(s.signer())) {
        return Verdict.invalid("signer " + s.signer() + " appears twice");
      }
      OptionalInt index = membership.indexOf(s.signer());
      if (index.isEmpty()) {
        return Verdict.invalid("signer " + s.signer() + " is not a member");
      }
    }
    for (NodeSignature s : signatures) {
      Artifact known = validatedShares.get(s.signer());
      if (known != null && sharesSignature(known, s)) {
        continue;
      }
      Verdict v = verifySigner(membership.indexOf(s.signer()).getAsInt(), message, s.signature());
      if (v.kind() != Kind.VALID) {
        return v;
      }
    }
    return Verdict.VALID;
  }

  private static boolean sharesSignature(Artifact share, NodeSignature s) {
    NodeSignature known =
        share instanceof NotarizationShare n ? n.signature() : ((FinalizationShare) share).signature();
    return known.equals(s);
  }

  private Verdict verifySigner(int signerIndex, byte[] message, byte[] signature) {
    return verifier.verifyNodeSignature(membership.nodeKey(signerIndex), message, signature)
        ? Verdict.VALID
        : Verdict.invalid("signature of " + membership.node(signerIndex) + " does not verify");
  }

  private Verdict checkBeaconShare(ArtifactPool pool, RandomBeaconShare s) {
    long h = s.height();
    if (h <= pool.beaconHeight()) {
      return Verdict.invalid("stale: beacon already known");
    }
    if (h > pool.beaconHeight() + 1) {
      return Verdict.WAIT;
    }
    BeaconMode mode = config.beaconMode(h);
    if (mode == BeaconMode.UNKNOWN) {
      return Verdict.WAIT;
    }
    if (mode == BeaconMode.BOOTSTRAP) {
      return Verdict.invalid("the beacon of height " + h + " is a bootstrap beacon, which has no shares");
    }
    SubnetKeys keys = config.keys().orElseThrow();
    Hash parent = pool.beaconHash(h - 1).orElseThrow();
    if (!parent.equals(s.parentBeaconHash())) {
      return Verdict.invalid("parent is not our beacon of height " + (h - 1));
    }
    OptionalInt signer = membership.indexOf(s.signer());
    if (signer.isEmpty()) {
      return Verdict.invalid("signer is not a member of the subnet");
    }
    if (pool.beaconShares(h).containsKey(s.signer())) {
      return Verdict.invalid("duplicate share");
    }
    int index = signer.getAsInt();
    boolean ok =
        verifier.verifyBeaconShare(
            keys.beacon().publicKeyShare(index + 1),
            RandomBeacon.signedMessage(h, parent),
            new ThresholdBls.SignatureShare(index + 1, s.share()));
    return ok ? Verdict.VALID : Verdict.invalid("beacon share of " + s.signer() + " does not verify");
  }

  private Verdict checkBeacon(RandomBeacon b, Hash parent) {
    if (!parent.equals(b.parentBeaconHash())) {
      return Verdict.invalid("parent is not our beacon of height " + (b.height() - 1));
    }
    BeaconMode mode = config.beaconMode(b.height());
    if (mode == BeaconMode.UNKNOWN) {
      return Verdict.WAIT;
    }
    if (mode == BeaconMode.BOOTSTRAP) {
      return b.equals(RandomBeacon.bootstrap(b.height(), parent))
          ? Verdict.VALID
          : Verdict.invalid("not the bootstrap beacon of height " + b.height());
    }
    boolean ok = verifier.verifyBeacon(config.keys().orElseThrow().beacon().groupPublicKey(),
        RandomBeacon.signedMessage(b.height(), parent), b.signature());
    return ok ? Verdict.VALID : Verdict.invalid("beacon signature does not verify");
  }

  // ---- key generation ----

  /**
   * The key generation's part of a block: empty outside the bootstrap interval; inside it, no
   * ingress, and dealings (only in the heights the schedule allows) and complaints that each pass
   * the checks of {@link #dealingProblem} and {@link #complaintProblem} against what the block's
   * chain already holds. Waits while an ancestor above the record is missing.
   */
  private Verdict keyGenerationProblem(Pass pass, Block b) {
    DkgPayload payload = b.payload().keyGeneration();
    BeaconMode mode = config.beaconMode(b.height());
    if (mode == BeaconMode.UNKNOWN) {
      return Verdict.WAIT;
    }
    if (mode == BeaconMode.THRESHOLD) {
      return payload.isEmpty() ? Verdict.VALID : Verdict.invalid("dealings or complaints after the key generation closed");
    }
    if (!b.payload().messages().isEmpty()) {
      return Verdict.invalid("ingress in a block of the key generation's bootstrap interval");
    }
    if (payload.isEmpty()) {
      return Verdict.VALID;
    }
    KeyGeneration setup = config.keyGeneration().orElseThrow().setup();
    if (!payload.dealings().isEmpty() && !setup.schedule().dealingsAllowedAt(b.height())) {
      return Verdict.invalid("dealings at height " + b.height() + ", inside the complaint window");
    }
    if (payload.dealings().size() > maxKeyArtifactsPerBlock() || payload.complaints().size() > maxKeyArtifactsPerBlock()) {
      return Verdict.invalid("more than " + maxKeyArtifactsPerBlock() + " dealings or complaints");
    }
    Optional<ChainKeyGeneration> chain = ChainKeyGeneration.of(
        config.keyGeneration().orElseThrow(), pass::block, b.height() - 1, b.parentHash());
    if (chain.isEmpty()) {
      return Verdict.WAIT;
    }
    ChainKeyGeneration inBlock = chain.get().copy();
    // Note: a block at or below the record's height is checked against the record, which already
    // holds the finalized block of that height: its dealings and complaints count as repeats only
    // when they differ from the record's.
    boolean belowRecord = b.height() <= config.keyGeneration().orElseThrow().height();
    for (Artifact.KeyDealing d : payload.dealings()) {
      Optional<String> problem = dealingProblem(inBlock, d.dealing(), belowRecord);
      if (problem.isPresent()) {
        return Verdict.invalid(problem.get());
      }
      inBlock.add(d);
    }
    for (Artifact.KeyComplaint c : payload.complaints()) {
      Optional<String> problem = complaintProblem(inBlock, c, belowRecord);
      if (problem.isPresent()) {
        return Verdict.invalid(problem.get());
      }
      inBlock.add(c);
    }
    return Verdict.VALID;
  }

  /** At most two of each per member: every dealer's two dealings fit in one block. */
  int maxKeyArtifactsPerBlock() {
    return 2 * membership.size();
  }

  /**
   * A dealing is for one of this subnet's two keys, passes {@link Dkg#verifyDealing} (dealer a
   * member, signed by its node key, t commitments in G2 and one encrypted share per receiver), and
   * its dealer has no dealing of that key on the chain yet.
   */
  private Optional<String> dealingProblem(ChainKeyGeneration chain, DkgDealing dealing, boolean belowRecord) {
    KeyGeneration setup = config.keyGeneration().orElseThrow().setup();
    Optional<Key> key = setup.keyOf(dealing.instanceId());
    if (key.isEmpty()) {
      return Optional.of("a dealing of another key generation");
    }
    try {
      Dkg.verifyDealing(setup.config(key.get()), dealing);
    } catch (DkgException e) {
      return Optional.of("invalid dealing: " + e.getMessage());
    }
    Optional<DkgDealing> onChain = chain.dealing(key.get(), dealing.dealerIndex());
    if (onChain.isPresent() && !(belowRecord && onChain.get().equals(dealing))) {
      return Optional.of("dealer " + dealing.dealerIndex() + " has a dealing of the " + key.get() + " key on the chain already");
    }
    return Optional.empty();
  }

  /**
   * A complaint is signed by the receiver's node, is about the dealing of its dealer that the
   * chain holds, is its receiver's first about that dealing, and proves the share bad
   * ({@link Dkg#verifyComplaint}).
   */
  private Optional<String> complaintProblem(ChainKeyGeneration chain, Artifact.KeyComplaint c, boolean belowRecord) {
    KeyGeneration setup = config.keyGeneration().orElseThrow().setup();
    DkgComplaint complaint = c.complaint();
    Optional<Key> key = setup.keyOf(complaint.instanceId());
    if (key.isEmpty()) {
      return Optional.of("a complaint of another key generation");
    }
    int receiver = complaint.receiverIndex();
    if (receiver > membership.size() || !membership.node(receiver - 1).equals(c.signature().signer())) {
      return Optional.of("a complaint for receiver " + receiver + " signed by " + c.signature().signer());
    }
    Optional<DkgDealing> dealing = chain.dealing(key.get(), complaint.dealerIndex());
    if (dealing.isEmpty() || !Arrays.equals(dealing.get().hash(), complaint.dealingHash())) {
      return Optional.of("a complaint about a dealing the chain does not hold");
    }
    if (chain.hasComplaint(key.get(), complaint.dealerIndex(), receiver) && !belowRecord) {
      return Optional.of("receiver " + receiver + " has complained about dealer " + complaint.dealerIndex() + " already");
    }
    if (!verifier.verifyNodeSignature(membership.nodeKey(receiver - 1), Artifact.KeyComplaint.signedMessage(complaint),
        c.signature().signature())) {
      return Optional.of("the complaint's signature does not verify");
    }
    try {
      Dkg.verifyComplaint(setup.config(key.get()), dealing.get(), complaint);
    } catch (DkgException e) {
      return Optional.of("the complaint proves nothing: " + e.getMessage());
    }
    return Optional.empty();
  }

  private Verdict checkKeyDealing(Pass pass, Artifact.KeyDealing d, List<Artifact> made) {
    if (!config.isGeneratingKeys()) {
      return Verdict.invalid("stale: the key generation is over");
    }
    ChainKeyGeneration recorded = ChainKeyGeneration.of(config.keyGeneration().orElseThrow());
    Optional<String> problem = dealingProblem(recorded, d.dealing(), false);
    if (problem.isPresent()) {
      return Verdict.invalid(problem.get());
    }
    // One gossiped dealing per dealer and key: a dealer that signs two gets one of them carried.
    List<Artifact.KeyDealing> known = new ArrayList<>(pass.pool.keyDealings());
    known.addAll(pass.dealings);
    for (Artifact.KeyDealing other : known) {
      if (other.dealing().dealerIndex() == d.dealing().dealerIndex()
          && Arrays.equals(other.dealing().instanceId(), d.dealing().instanceId())) {
        return Verdict.invalid("the pool has a dealing of this dealer and key already");
      }
    }
    checkOwnShare(pass, d, made);
    return Verdict.VALID;
  }

  /**
   * A gossiped complaint: checked against the dealings this replica knows (the record's and the
   * pool's); it waits while its dealing is unknown.
   */
  private Verdict checkKeyComplaint(Pass pass, Artifact.KeyComplaint c) {
    if (!config.isGeneratingKeys()) {
      return Verdict.invalid("stale: the key generation is over");
    }
    ChainKeyGeneration known = ChainKeyGeneration.of(config.keyGeneration().orElseThrow());
    DkgComplaint complaint = c.complaint();
    Optional<Key> key = config.keyGeneration().orElseThrow().setup().keyOf(complaint.instanceId());
    if (key.isEmpty()) {
      return Verdict.invalid("a complaint of another key generation");
    }
    if (known.hasComplaint(key.get(), complaint.dealerIndex(), complaint.receiverIndex())) {
      return Verdict.invalid("stale: the chain holds this receiver's complaint about this dealer");
    }
    if (known.dealing(key.get(), complaint.dealerIndex()).isEmpty()) {
      boolean found = false;
      List<Artifact.KeyDealing> pooled = new ArrayList<>(pass.pool.keyDealings());
      pooled.addAll(pass.dealings);
      for (Artifact.KeyDealing d : pooled) {
        if (Arrays.equals(d.dealing().hash(), complaint.dealingHash())) {
          known.add(d);
          found = true;
          break;
        }
      }
      if (!found) {
        return Verdict.WAIT; // its dealing has not arrived (or is not valid)
      }
    }
    String slot = key.get() + "/" + complaint.dealerIndex() + "/" + complaint.receiverIndex();
    for (Artifact.KeyComplaint other : pass.pool.keyComplaints()) {
      DkgComplaint o = other.complaint();
      if (o.dealerIndex() == complaint.dealerIndex() && o.receiverIndex() == complaint.receiverIndex()
          && Arrays.equals(o.instanceId(), complaint.instanceId())) {
        return Verdict.invalid("the pool has this receiver's complaint about this dealer already");
      }
    }
    if (pass.complaintSlots.contains(slot)) {
      return Verdict.invalid("the pool has this receiver's complaint about this dealer already");
    }
    Optional<String> problem = complaintProblem(known, c, false);
    if (problem.isPresent()) {
      return Verdict.invalid(problem.get());
    }
    pass.complaintSlots.add(slot);
    return Verdict.VALID;
  }

  /**
   * This replica's check of its own share in a dealing it meets for the first time (gossiped, or
   * in a block): a bad share makes a complaint, once per dealing.
   *
   * <p>Note: the complaint's proof draws its nonce from a stream seeded by the dealing's hash and
   * this node's index, so the check is deterministic; {@link
   * dev.canopy.crypto.dkg.Dkg#checkShare} hashes the decryption key and the statement into the
   * nonce as well, so no two statements ever share a nonce.
   */
  private void checkOwnShare(Pass pass, Artifact.KeyDealing d, List<Artifact> made) {
    if (!config.isGeneratingKeys() || config.dkgKey().isEmpty()) {
      return;
    }
    int self = config.selfIndex();
    DkgDealing dealing = d.dealing();
    if (dealing.dealerIndex() == self + 1 || pass.pool.isValidated(d.id()) || !pass.sharesChecked.add(d.id())) {
      return; // our own, or checked when it entered the pool
    }
    KeyGeneration setup = config.keyGeneration().orElseThrow().setup();
    Optional<Key> key = setup.keyOf(dealing.instanceId());
    if (key.isEmpty()) {
      return;
    }
    for (Artifact.KeyComplaint c : pass.pool.keyComplaints()) {
      if (c.signature().signer().equals(config.self()) && Arrays.equals(c.complaint().dealingHash(), dealing.hash())) {
        return;
      }
    }
    DeterministicRandom entropy = new DeterministicRandom(
        Hash.of(Domains.COMPLAINT_NONCE, Domains.concat(dealing.hash(), new byte[] {(byte) (self >>> 8), (byte) self})).bytes());
    try {
      Dkg.checkShare(setup.config(key.get()), dealing, self + 1, config.dkgKey().get(), entropy)
          .ifPresent(complaint -> made.add(Artifact.KeyComplaint.sign(complaint, config.self(), config.nodeKey())));
    } catch (DkgException e) {
      // An invalid dealing is refused by validation; there is no share of ours to speak of.
    }
  }
}
