package dev.canopy.cluster;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.ArtifactCodec;
import dev.canopy.consensus.Block;
import dev.canopy.consensus.Hash;
import dev.canopy.consensus.NodeSignature;
import dev.canopy.consensus.Payload;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.node.ConsensusActor;
import dev.canopy.node.ConsensusActor.ArtifactBytes;
import dev.canopy.node.ConsensusActor.CertificationShare;
import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import dev.canopy.node.Replica;
import dev.canopy.node.PeerMessages;
import dev.canopy.types.Hashing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.consensus.IngressMessage;
import dev.canopy.ingress.EnvelopeDecoder;
import dev.canopy.ingress.EnvelopeLimits;
import dev.canopy.routing.IngressPayload;
import dev.canopy.state.EffectiveId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hex;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test only: a replica of a subnet, run as its own process with its real keys, that misbehaves
 * towards its peers the ways a Byzantine replica can. It is the node {@code canopy start --config
 * FILE} runs, with every message to a peer passed through {@link Misbehaviour} (the {@link
 * PeerMessages} seam); it lives in the test sources, so no production build can misbehave.
 *
 * <p>Usage: {@code java -cp <test class path> dev.canopy.cluster.ByzantineReplica --config FILE}.
 * It prints the same "is healthy at URL" line as {@code canopy start}, starts honest, and reads
 * commands from standard input, one per line:
 *
 * <ul>
 *   <li>{@code behave honest|silent|bad-signatures|conflicting-shares|equivocate}: switch, and
 *       print {@code byzantine: behaving <name>};
 *   <li>{@code behave forged-calls <canister> <hex DER public key> <hex Candid argument>}: forge
 *       calls of {@code set} on the canister in the name of that key's principal;
 *   <li>{@code report}: print {@code byzantine: report <counter>=<n> ...}, how often it misbehaved.
 * </ul>
 *
 * <p>End of input stops the node.
 */
public final class ByzantineReplica {
  /** How the replica treats its peers. */
  enum Behaviour {
    /** Everything as an honest replica sends it. */
    HONEST,
    /** Sends nothing to its peers (no artifacts, shares, gossip or answers), yet stays up. */
    SILENT,
    /** Everything it sends carries a signature that does not verify. */
    BAD_SIGNATURES,
    /**
     * Certification shares over a different state root to half of its peers, and notarization and
     * finalization shares for blocks that do not exist, all validly signed.
     */
    CONFLICTING_SHARES,
    /**
     * Two different blocks for each block it makes (half of its peers get each), and
     * notarization and finalization shares for both, all validly signed.
     */
    EQUIVOCATE,
    /**
     * Each block it makes carries, beside the calls clients sent, a call it made up in another
     * principal's name (a valid envelope whose signature is not that principal's).
     */
    FORGED_CALLS;

    String commandName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Behaviour of(String name) {
      return valueOf(name.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  private ByzantineReplica() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("--config")) {
      System.err.println("usage: ByzantineReplica --config FILE");
      System.exit(2);
    }
    NodeConfig config = NodeConfig.load(Path.of(args[1]).toAbsolutePath(), Map.of());
    Misbehaviour[] misbehaviour = new Misbehaviour[1];
    Node node = Node.start(config, new SecureRandom(),
        replica -> misbehaviour[0] = new Misbehaviour(replica));
    System.out.printf("Canopy node %s is healthy at %s (a Byzantine test replica, behaving %s)%n",
        node.nodeId(), node.httpUri(), misbehaviour[0].behaviour.commandName());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] words = line.strip().split("\\s+");
      if (words.length == 5 && words[0].equals("behave") && words[1].equals("forged-calls")) {
        misbehaviour[0].forge(Principal.fromText(words[2]), Hex.decode(words[3]),
            Hex.decode(words[4]));
        misbehaviour[0].behaviour = Behaviour.FORGED_CALLS;
        System.out.println("byzantine: behaving " + misbehaviour[0].behaviour.commandName());
      } else if (words.length == 2 && words[0].equals("behave")) {
        misbehaviour[0].behaviour = Behaviour.of(words[1]);
        System.out.println("byzantine: behaving " + misbehaviour[0].behaviour.commandName());
      } else if (words.length == 1 && words[0].equals("report")) {
        System.out.println("byzantine: report " + misbehaviour[0].report());
      } else {
        System.out.println("byzantine: unknown command: " + line);
      }
      System.out.flush();
    }
    node.close();
    System.exit(0);
  }

  /**
   * The Byzantine replica's {@link PeerMessages}. Called on the consensus actor only (one thread);
   * the behaviour is switched from the command reader.
   */
  static final class Misbehaviour implements PeerMessages {
    private static final byte[] FAKE_BLOCK_DOMAIN = Hashing.domainSeparator("canopy-test-fake-block");
    private static final byte[] FAKE_ROOT_DOMAIN = Hashing.domainSeparator("canopy-test-fake-root");
    private static final int MAX_REMEMBERED = 64;

    private final Replica replica;
    private final NodeId self;
    private final Ed25519SigningKey nodeKey;
    volatile Behaviour behaviour = Behaviour.HONEST;

    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong badSignatures = new AtomicLong();
    private final AtomicLong conflictingCertificationShares = new AtomicLong();
    private final AtomicLong sharesForMissingBlocks = new AtomicLong();
    private final AtomicLong equivocatedBlocks = new AtomicLong();
    private final AtomicLong doubleSignedShares = new AtomicLong();
    private final AtomicLong forgedCalls = new AtomicLong();
    // what to forge: set(argument) on canister, as the principal of the public key
    private volatile Forgery forgery;
    private final java.util.SplittableRandom nonces = new java.util.SplittableRandom(7);

    private record Forgery(Principal canister, byte[] victimKeyDer, byte[] argument) {}

    // height → the block with a forged call made for that height, most recent heights only
    private final Map<Long, Artifact.BlockProposal> forgedBlocks = new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Artifact.BlockProposal> eldest) {
        return size() > MAX_REMEMBERED;
      }
    };

    // height → the second block made for that height (by equivocation), most recent heights only
    private final Map<Long, Artifact.BlockProposal> twins = new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Artifact.BlockProposal> eldest) {
        return size() > MAX_REMEMBERED;
      }
    };

    Misbehaviour(Replica replica) {
      this.replica = replica;
      this.self = replica.identity().nodeId();
      this.nodeKey = replica.identity().nodeSigningKey();
    }

    String report() {
      return "dropped=" + dropped + " bad-signatures=" + badSignatures
          + " conflicting-certification-shares=" + conflictingCertificationShares
          + " shares-for-missing-blocks=" + sharesForMissingBlocks
          + " equivocated-blocks=" + equivocatedBlocks
          + " double-signed-shares=" + doubleSignedShares
          + " forged-calls=" + forgedCalls;
    }

    @Override
    public List<ConsensusActor.Command> toPeer(ConsensusActor.Command message, int peer) {
      switch (behaviour) {
        case SILENT:
          dropped.incrementAndGet();
          return List.of();
        case BAD_SIGNATURES:
          return List.of(withBadSignature(message));
        case CONFLICTING_SHARES:
          return conflictingShares(message, peer);
        case EQUIVOCATE:
          return equivocate(message, peer);
        case FORGED_CALLS:
          return withForgedCall(message);
        default:
          return List.of(message);
      }
    }

    // ---- bad signatures

    private ConsensusActor.Command withBadSignature(ConsensusActor.Command message) {
      if (message instanceof CertificationShare s) {
        badSignatures.incrementAndGet();
        return new CertificationShare(s.height(), s.rootHash(), s.signerIndex(), flip(s.signature()));
      }
      if (message instanceof ConsensusActor.Certification c) {
        badSignatures.incrementAndGet();
        return new ConsensusActor.Certification(c.height(), c.rootHash(), flip(c.signature()));
      }
      Artifact a = decode(message);
      if (a == null) {
        return message; // gossiped calls carry their senders' signatures, not this replica's
      }
      Artifact bad;
      if (a instanceof Artifact.BlockProposal p) {
        bad = new Artifact.BlockProposal(p.block(), flip(p.signature()));
      } else if (a instanceof Artifact.NotarizationShare n) {
        bad = new Artifact.NotarizationShare(n.height(), n.blockHash(), flip(n.signature()));
      } else if (a instanceof Artifact.FinalizationShare f) {
        bad = new Artifact.FinalizationShare(f.height(), f.blockHash(), flip(f.signature()));
      } else if (a instanceof Artifact.Notarization n) {
        bad = new Artifact.Notarization(n.height(), n.blockHash(), flipFirst(n.signatures()));
      } else if (a instanceof Artifact.Finalization f) {
        bad = new Artifact.Finalization(f.height(), f.blockHash(), flipFirst(f.signatures()));
      } else if (a instanceof Artifact.RandomBeaconShare b) {
        bad = new Artifact.RandomBeaconShare(b.height(), b.parentBeaconHash(), b.signer(),
            flip(b.share()));
      } else if (a instanceof Artifact.RandomBeacon b) {
        bad = new Artifact.RandomBeacon(b.height(), b.parentBeaconHash(), flip(b.signature()));
      } else {
        return message;
      }
      badSignatures.incrementAndGet();
      return new ArtifactBytes(bad.toBytes());
    }

    private static NodeSignature flip(NodeSignature s) {
      return new NodeSignature(s.signer(), flip(s.signature()));
    }

    private static List<NodeSignature> flipFirst(List<NodeSignature> signatures) {
      List<NodeSignature> out = new ArrayList<>(signatures);
      if (!out.isEmpty()) {
        out.set(0, flip(out.get(0)));
      }
      return out;
    }

    /** The same bytes with one bit of the last byte changed. */
    private static byte[] flip(byte[] signature) {
      byte[] out = signature.clone();
      if (out.length > 0) {
        out[out.length - 1] ^= 0x01;
      }
      return out;
    }

    // ---- conflicting shares

    private List<ConsensusActor.Command> conflictingShares(ConsensusActor.Command message, int peer) {
      if (message instanceof CertificationShare s) {
        if (peer % 2 == 0) {
          return List.of(message);
        }
        // a valid share of this replica's key, over another root than the one it computed
        Optional<ThresholdBls.SecretKeyShare> own =
            replica.subnetKeys().flatMap(SubnetKeys::certificationShare);
        if (own.isEmpty()) {
          return List.of(message); // no key share yet to sign with
        }
        byte[] otherRoot = Hashing.sha256(FAKE_ROOT_DOMAIN, s.rootHash());
        ThresholdBls.SignatureShare share = replica.certifier().signShare(own.get(), otherRoot);
        conflictingCertificationShares.incrementAndGet();
        return List.of(new CertificationShare(s.height(), otherRoot, share.index(), share.signature()));
      }
      Artifact a = decode(message);
      if (a instanceof Artifact.NotarizationShare n && n.signature().signer().equals(self)) {
        sharesForMissingBlocks.incrementAndGet();
        return List.of(message, new ArtifactBytes(Artifact.NotarizationShare.sign(n.height(),
            fakeBlock(n.height(), peer), self, nodeKey).toBytes()));
      }
      if (a instanceof Artifact.FinalizationShare f && f.signature().signer().equals(self)) {
        sharesForMissingBlocks.incrementAndGet();
        return List.of(message, new ArtifactBytes(Artifact.FinalizationShare.sign(f.height(),
            fakeBlock(f.height(), peer), self, nodeKey).toBytes()));
      }
      return List.of(message);
    }

    private static Hash fakeBlock(long height, int peer) {
      return Hash.of(FAKE_BLOCK_DOMAIN, (height + "/" + peer).getBytes(StandardCharsets.UTF_8));
    }

    // ---- equivocation

    private List<ConsensusActor.Command> equivocate(ConsensusActor.Command message, int peer) {
      Artifact a = decode(message);
      if (a instanceof Artifact.BlockProposal p && p.block().maker().equals(self)) {
        Artifact.BlockProposal twin = twin(p);
        if (peer % 2 == 0) {
          return List.of(message);
        }
        return List.of(new ArtifactBytes(twin.toBytes()), new ArtifactBytes(
            Artifact.NotarizationShare.sign(twin.height(), twin.block().hash(), self,
                nodeKey).toBytes()));
      }
      if (a instanceof Artifact.NotarizationShare n && n.signature().signer().equals(self)) {
        Artifact.BlockProposal twin = twins.get(n.height());
        if (twin != null && !twin.block().hash().equals(n.blockHash())) {
          doubleSignedShares.incrementAndGet();
          return List.of(message, new ArtifactBytes(Artifact.NotarizationShare.sign(n.height(),
              twin.block().hash(), self, nodeKey).toBytes()));
        }
      }
      if (a instanceof Artifact.FinalizationShare f && f.signature().signer().equals(self)) {
        Artifact.BlockProposal twin = twins.get(f.height());
        if (twin != null && !twin.block().hash().equals(f.blockHash())) {
          doubleSignedShares.incrementAndGet();
          return List.of(message, new ArtifactBytes(Artifact.FinalizationShare.sign(f.height(),
              twin.block().hash(), self, nodeKey).toBytes()));
        }
      }
      return List.of(message);
    }

    /** The other block this replica makes for the height of {@code p}: same parent and rank. */
    private Artifact.BlockProposal twin(Artifact.BlockProposal p) {
      Artifact.BlockProposal known = twins.get(p.height());
      if (known != null && !known.block().hash().equals(p.block().hash())) {
        return known;
      }
      Block b = p.block();
      // Another payload (none) where there was one, else another time: a different hash.
      Block other = b.payload().messages().isEmpty()
          ? new Block(b.height(), b.parentHash(), b.rank(), b.maker(), b.timeMs() + 1, b.payload())
          : new Block(b.height(), b.parentHash(), b.rank(), b.maker(), b.timeMs(), Payload.EMPTY);
      Artifact.BlockProposal twin = Artifact.BlockProposal.sign(other, nodeKey);
      twins.put(p.height(), twin);
      equivocatedBlocks.incrementAndGet();
      return twin;
    }

    // ---- forged calls

    void forge(Principal canister, byte[] victimKeyDer, byte[] argument) {
      forgery = new Forgery(canister, victimKeyDer.clone(), argument.clone());
    }

    private List<ConsensusActor.Command> withForgedCall(ConsensusActor.Command message) {
      Artifact a = decode(message);
      Forgery f = forgery;
      if (!(a instanceof Artifact.BlockProposal p) || !p.block().maker().equals(self) || f == null) {
        return List.of(message);
      }
      // one forged block per height, the same to every peer
      Artifact.BlockProposal forged = forgedBlocks.get(p.height());
      if (forged == null || forged.block().hash().equals(p.block().hash())) {
        List<IngressMessage> messages = new ArrayList<>(p.block().payload().messages());
        messages.add(forgedCall(f, p.block().timeMs()));
        Block b = p.block();
        forged = Artifact.BlockProposal.sign(new Block(b.height(), b.parentHash(), b.rank(),
            b.maker(), b.timeMs(), new Payload(messages)), nodeKey);
        forgedBlocks.put(p.height(), forged);
        forgedCalls.incrementAndGet();
      }
      return List.of(new ArtifactBytes(forged.toBytes()));
    }

    /** A well-formed call of {@code set} in the victim's name, signed by someone else. */
    private IngressMessage forgedCall(Forgery f, long blockTimeMs) {
      byte[] nonce = new byte[8];
      nonces.nextBytes(nonce);
      CborMap content = CborMap.builder()
          .put("request_type", "call")
          .put("sender", Principal.selfAuthenticating(f.victimKeyDer()).toBytes())
          .put("ingress_expiry", CborValue.unsigned((blockTimeMs + 120_000) * 1_000_000L))
          .put("canister_id", f.canister().toBytes())
          .put("method_name", "set")
          .put("arg", f.argument())
          .put("nonce", nonce)
          .build();
      byte[] notTheVictims = nodeKey.sign(nonce); // a signature, by the wrong key
      byte[] envelope = CborEncoder.encodeWithSelfDescribeTag(CborMap.builder()
          .put("content", content)
          .put("sender_pubkey", f.victimKeyDer())
          .put("sender_sig", notTheVictims)
          .build());
      return IngressPayload.encode(new EnvelopeDecoder(EnvelopeLimits.DEFAULT).decodeCall(envelope),
          EffectiveId.canister(new CanisterId(f.canister())));
    }

    private static Artifact decode(ConsensusActor.Command message) {
      if (!(message instanceof ArtifactBytes bytes)) {
        return null;
      }
      try {
        return ArtifactCodec.decode(bytes.bytes());
      } catch (InvalidInputException e) {
        return null;
      }
    }
  }
}
