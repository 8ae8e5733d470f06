package dev.canopy.consensus;

import dev.canopy.consensus.Artifact.BlockProposal;
import dev.canopy.consensus.Artifact.Finalization;
import dev.canopy.consensus.Artifact.FinalizationShare;
import dev.canopy.consensus.Artifact.Notarization;
import dev.canopy.consensus.Artifact.NotarizationShare;
import dev.canopy.consensus.Artifact.RandomBeacon;
import dev.canopy.consensus.Artifact.RandomBeaconShare;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides, for each unvalidated artifact, whether it is valid (move it), invalid or useless
 * (drop it), or not decidable yet (keep it: its parent, beacon or block has not arrived, or its
 * time is ahead of this replica's clock). Signatures are checked last, once nothing is missing.
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

  private final SubnetMembership membership;
  private final ConsensusParameters parameters;
  private final PayloadSource payloads;
  private final SignatureVerifier verifier;

  Validator(SubnetMembership membership, ConsensusParameters parameters, PayloadSource payloads, SignatureVerifier verifier) {
    this.membership = membership;
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

  void validate(ArtifactPool pool, long nowMs, long nextBatchHeight, List<Hash> valid, List<PoolChanges.Rejection> rejected) {
    Pass pass = new Pass(pool);
    validateBeaconChain(pool, pass, valid, rejected);
    List<ArtifactPool.Unvalidated> blocks = new ArrayList<>();
    List<ArtifactPool.Unvalidated> shares = new ArrayList<>();
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
      }
      record(u, v, valid, rejected);
    }
    for (ArtifactPool.Unvalidated u : shares) {
      Artifact a = u.artifact();
      Verdict v;
      if (a instanceof NotarizationShare s) {
        v = checkNotarizationShare(pass, s);
      } else if (a instanceof FinalizationShare s) {
        v = checkFinalizationShare(pool, s);
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
        } else {
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
    Set<Hash> ancestors = ConsensusStep.ancestorMessageIds(pass::block, b.height() - 1, b.parentHash());
    for (IngressMessage m : payload.messages()) {
      if (ancestors.contains(m.messageId())) {
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
    return verifySigner(signer.getAsInt(), NotarizationShare.signedMessage(h, s.blockHash()), sig.signature());
  }

  private Verdict checkFinalizationShare(ArtifactPool pool, FinalizationShare s) {
    long h = s.height();
    if (h <= pool.finalizedHeight()) {
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
            membership.beaconKeyShare(index),
            RandomBeacon.signedMessage(h, parent),
            new ThresholdBls.SignatureShare(index + 1, s.share()));
    return ok ? Verdict.VALID : Verdict.invalid("beacon share of " + s.signer() + " does not verify");
  }

  private Verdict checkBeacon(RandomBeacon b, Hash parent) {
    if (!parent.equals(b.parentBeaconHash())) {
      return Verdict.invalid("parent is not our beacon of height " + (b.height() - 1));
    }
    boolean ok =
        verifier.verifyBeacon(membership.beaconPublicKey(), RandomBeacon.signedMessage(b.height(), parent), b.signature());
    return ok ? Verdict.VALID : Verdict.invalid("beacon signature does not verify");
  }
}
