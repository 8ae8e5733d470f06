package dev.canopy.consensus;

import static dev.canopy.consensus.CborFields.b;
import static dev.canopy.consensus.CborFields.node;
import static dev.canopy.consensus.CborFields.signatures;
import static dev.canopy.consensus.CborFields.u;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.types.NodeId;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import java.util.Arrays;
import java.util.List;

/**
 * What replicas of a subnet exchange to agree on blocks. Each is signed by its author's node key
 * (Ed25519), or, for the random beacon, carries threshold-BLS signature shares or their
 * combination. Signatures and hashes cover the canonical CBOR of the signed content behind a
 * {@link Domains domain separator}.
 *
 * <p>Note: notarizations and finalizations are sets of quorum-many individually signed shares (a
 * multi-signature of node keys), as IC consensus permits (arXiv 2109.05419, §3); only the beacon
 * needs the uniqueness of a threshold signature.
 *
 * <p>The key generation's artifacts ({@link KeyDealing}, {@link KeyComplaint}) belong to no round:
 * their {@link #height()} is 0 and the pool keeps them apart from the rounds' artifacts.
 */
public sealed interface Artifact
    permits Artifact.BlockProposal,
        Artifact.NotarizationShare,
        Artifact.Notarization,
        Artifact.FinalizationShare,
        Artifact.Finalization,
        Artifact.RandomBeaconShare,
        Artifact.RandomBeacon,
        Artifact.KeyDealing,
        Artifact.KeyComplaint {

  /** The round the artifact belongs to; 0 for the key generation's artifacts. */
  long height();

  /** The artifact's kind as its encoding names it. */
  String kind();

  CborMap toCbor();

  /** The canonical CBOR bytes: what is sent, persisted and hashed. */
  default byte[] toBytes() {
    return CborEncoder.encode(toCbor());
  }

  /** The artifact's identity: a domain-separated hash of {@link #toBytes()}. */
  default Hash id() {
    return Hash.of(Domains.ARTIFACT, toBytes());
  }

  /** A block with its maker's signature over the block hash. */
  record BlockProposal(Block block, byte[] signature) implements Artifact {
    public BlockProposal {
      if (block == null || signature == null) {
        throw new IllegalArgumentException("block and signature are required");
      }
      signature = signature.clone();
    }

    public static BlockProposal sign(Block block, Ed25519SigningKey makerKey) {
      return new BlockProposal(block, makerKey.sign(signedMessage(block.hash())));
    }

    /** The genesis block carries no signature: every replica is configured with it. */
    static BlockProposal genesis(Block genesis) {
      return new BlockProposal(genesis, new byte[0]);
    }

    static byte[] signedMessage(Hash blockHash) {
      return Domains.concat(Domains.BLOCK_PROPOSAL, blockHash.bytes());
    }

    @Override
    public long height() {
      return block.height();
    }

    @Override
    public String kind() {
      return "block_proposal";
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public CborMap toCbor() {
      return CborMap.builder().put("kind", kind()).put("block", block.toCbor()).put("signature", b(signature)).build();
    }

    /**
     * Note: a proposal carries its block's whole payload and is encoded several times a round
     * (sent, identified in the pool, delivered, retransmitted); the last few encodings and ids
     * are remembered by identity, as {@link Block#hash()} is.
     */
    private static final RecentByIdentity<BlockProposal, byte[]> RECENT_BYTES =
        new RecentByIdentity<>(8, p -> CborEncoder.encode(p.toCbor()));

    private static final RecentByIdentity<BlockProposal, Hash> RECENT_IDS =
        new RecentByIdentity<>(8, p -> Hash.of(Domains.ARTIFACT, RECENT_BYTES.get(p)));

    @Override
    public byte[] toBytes() {
      return RECENT_BYTES.get(this).clone();
    }

    @Override
    public Hash id() {
      return RECENT_IDS.get(this);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BlockProposal p && block.equals(p.block) && Arrays.equals(signature, p.signature);
    }

    @Override
    public int hashCode() {
      return block.hashCode();
    }

    @Override
    public String toString() {
      return "BlockProposal[h=" + block.height() + " r=" + block.rank() + " " + block.hash().shortHex() + "]";
    }
  }

  /** One replica's support for a block of its current round. */
  record NotarizationShare(long height, Hash blockHash, NodeSignature signature) implements Artifact {
    public NotarizationShare {
      requireBlockReference(height, blockHash, signature);
    }

    public static NotarizationShare sign(long height, Hash blockHash, NodeId signer, Ed25519SigningKey key) {
      return new NotarizationShare(
          height, blockHash, new NodeSignature(signer, key.sign(signedMessage(height, blockHash))));
    }

    static byte[] signedMessage(long height, Hash blockHash) {
      return blockReferenceMessage(Domains.NOTARIZATION, height, blockHash);
    }

    @Override
    public String kind() {
      return "notarization_share";
    }

    @Override
    public CborMap toCbor() {
      return shareCbor(kind(), height, blockHash, signature);
    }

    @Override
    public String toString() {
      return "NotarizationShare[h=" + height + " " + blockHash.shortHex() + " by " + signature.signer() + "]";
    }
  }

  /** Quorum-many notarization shares for one block: the block may be extended. */
  record Notarization(long height, Hash blockHash, List<NodeSignature> signatures) implements Artifact {
    public Notarization {
      requireBlockReference(height, blockHash, signatures);
      signatures = List.copyOf(signatures);
    }

    @Override
    public String kind() {
      return "notarization";
    }

    @Override
    public CborMap toCbor() {
      return aggregateCbor(kind(), height, blockHash, signatures);
    }

    @Override
    public String toString() {
      return "Notarization[h=" + height + " " + blockHash.shortHex() + "]";
    }
  }

  /** One replica's statement that it supported no other block of this height. */
  record FinalizationShare(long height, Hash blockHash, NodeSignature signature) implements Artifact {
    public FinalizationShare {
      requireBlockReference(height, blockHash, signature);
    }

    public static FinalizationShare sign(long height, Hash blockHash, NodeId signer, Ed25519SigningKey key) {
      return new FinalizationShare(
          height, blockHash, new NodeSignature(signer, key.sign(signedMessage(height, blockHash))));
    }

    static byte[] signedMessage(long height, Hash blockHash) {
      return blockReferenceMessage(Domains.FINALIZATION, height, blockHash);
    }

    @Override
    public String kind() {
      return "finalization_share";
    }

    @Override
    public CborMap toCbor() {
      return shareCbor(kind(), height, blockHash, signature);
    }

    @Override
    public String toString() {
      return "FinalizationShare[h=" + height + " " + blockHash.shortHex() + " by " + signature.signer() + "]";
    }
  }

  /** Quorum-many finalization shares: the block and all its ancestors are final. */
  record Finalization(long height, Hash blockHash, List<NodeSignature> signatures) implements Artifact {
    public Finalization {
      requireBlockReference(height, blockHash, signatures);
      signatures = List.copyOf(signatures);
    }

    @Override
    public String kind() {
      return "finalization";
    }

    @Override
    public CborMap toCbor() {
      return aggregateCbor(kind(), height, blockHash, signatures);
    }

    @Override
    public String toString() {
      return "Finalization[h=" + height + " " + blockHash.shortHex() + "]";
    }
  }

  /**
   * A replica's threshold-BLS signature share on the beacon of {@code height}; the message is the
   * height and the hash of the previous beacon, so it is fixed before anyone can sign it.
   */
  record RandomBeaconShare(long height, Hash parentBeaconHash, NodeId signer, byte[] share) implements Artifact {
    public RandomBeaconShare {
      if (height < 1 || parentBeaconHash == null || signer == null || share == null) {
        throw new IllegalArgumentException("a beacon share needs a height ≥ 1, a parent, a signer and a share");
      }
      share = share.clone();
    }

    @Override
    public byte[] share() {
      return share.clone();
    }

    @Override
    public String kind() {
      return "random_beacon_share";
    }

    @Override
    public CborMap toCbor() {
      return CborMap.builder()
          .put("kind", kind())
          .put("height", u(height))
          .put("parent", b(parentBeaconHash.bytes()))
          .put("signer", node(signer))
          .put("share", b(share))
          .build();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RandomBeaconShare s
          && height == s.height
          && parentBeaconHash.equals(s.parentBeaconHash)
          && signer.equals(s.signer)
          && Arrays.equals(share, s.share);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(height) * 31 + signer.hashCode();
    }

    @Override
    public String toString() {
      return "RandomBeaconShare[h=" + height + " by " + signer + "]";
    }
  }

  /**
   * The random beacon of {@code height}: the subnet's threshold-BLS signature over the height and
   * the previous beacon's hash. BLS signatures are unique, so every replica computes the same one.
   */
  record RandomBeacon(long height, Hash parentBeaconHash, byte[] signature) implements Artifact {
    public RandomBeacon {
      if (height < 0 || parentBeaconHash == null || signature == null) {
        throw new IllegalArgumentException("a beacon needs a height, a parent and a signature");
      }
      signature = signature.clone();
    }

    /** The beacon of height 0: a constant of the subnet, never verified. */
    public static RandomBeacon genesis(SubnetId subnet) {
      return new RandomBeacon(0, Hash.ZERO, Hash.of(Domains.GENESIS, subnet.toBytes()).bytes());
    }

    /**
     * The beacon of a height of the key generation's bootstrap interval, before the subnet has a
     * beacon key: a hash chain from the genesis beacon that every replica computes alike (see the
     * Note in {@link ConsensusStep}). Its "signature" is that hash.
     */
    public static RandomBeacon bootstrap(long height, Hash parentBeaconHash) {
      if (height < 1) {
        throw new IllegalArgumentException("the genesis beacon is not a bootstrap beacon");
      }
      return new RandomBeacon(height, parentBeaconHash,
          Hash.of(Domains.BOOTSTRAP_BEACON, signedMessage(height, parentBeaconHash)).bytes());
    }

    static byte[] signedMessage(long height, Hash parentBeaconHash) {
      return Domains.concat(
          Domains.RANDOM_BEACON,
          CborEncoder.encode(
              CborMap.builder().put("height", u(height)).put("parent", b(parentBeaconHash.bytes())).build()));
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public String kind() {
      return "random_beacon";
    }

    @Override
    public CborMap toCbor() {
      return CborMap.builder()
          .put("kind", kind())
          .put("height", u(height))
          .put("parent", b(parentBeaconHash.bytes()))
          .put("signature", b(signature))
          .build();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RandomBeacon r
          && height == r.height
          && parentBeaconHash.equals(r.parentBeaconHash)
          && Arrays.equals(signature, r.signature);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(height) * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
      return "RandomBeacon[h=" + height + "]";
    }
  }

  /**
   * A dealer's contribution to the subnet's key generation, as {@link DkgDealing} defines it: it
   * carries the dealer's node signature itself, and its instance id says which key it deals.
   */
  record KeyDealing(DkgDealing dealing) implements Artifact {
    public KeyDealing {
      if (dealing == null) {
        throw new IllegalArgumentException("a dealing is required");
      }
    }

    @Override
    public long height() {
      return 0;
    }

    @Override
    public String kind() {
      return "key_dealing";
    }

    @Override
    public CborMap toCbor() {
      return CborMap.builder().put("kind", kind()).put("dealing", b(dealing.encode())).build();
    }

    @Override
    public String toString() {
      return "KeyDealing[dealer " + dealing.dealerIndex() + ", " + dealing.commitmentCount() + " commitments]";
    }
  }

  /**
   * A receiver's complaint that a dealer sent it a share that fails the dealer's commitments (the
   * complaint proves it by itself, see {@link DkgComplaint}), signed with the receiver's node key
   * like every other artifact, so its author is a member and accountable.
   */
  record KeyComplaint(DkgComplaint complaint, NodeSignature signature) implements Artifact {
    public KeyComplaint {
      if (complaint == null || signature == null) {
        throw new IllegalArgumentException("a complaint and its signature are required");
      }
    }

    public static KeyComplaint sign(DkgComplaint complaint, NodeId signer, Ed25519SigningKey key) {
      return new KeyComplaint(complaint, new NodeSignature(signer, key.sign(signedMessage(complaint))));
    }

    static byte[] signedMessage(DkgComplaint complaint) {
      return Domains.concat(Domains.KEY_COMPLAINT, complaint.encode());
    }

    @Override
    public long height() {
      return 0;
    }

    @Override
    public String kind() {
      return "key_complaint";
    }

    @Override
    public CborMap toCbor() {
      return CborMap.builder()
          .put("kind", kind())
          .put("complaint", b(complaint.encode()))
          .put("signer", node(signature.signer()))
          .put("signature", b(signature.signature()))
          .build();
    }

    @Override
    public String toString() {
      return "KeyComplaint[receiver " + complaint.receiverIndex() + " against dealer " + complaint.dealerIndex() + "]";
    }
  }

  private static void requireBlockReference(long height, Hash blockHash, Object signatures) {
    if (height < 1 || blockHash == null || signatures == null) {
      throw new IllegalArgumentException("a block reference needs a height ≥ 1, a block hash and signatures");
    }
  }

  private static byte[] blockReferenceMessage(byte[] domain, long height, Hash blockHash) {
    return Domains.concat(
        domain,
        CborEncoder.encode(CborMap.builder().put("height", u(height)).put("block", b(blockHash.bytes())).build()));
  }

  private static CborMap shareCbor(String kind, long height, Hash blockHash, NodeSignature signature) {
    return CborMap.builder()
        .put("kind", kind)
        .put("height", u(height))
        .put("block", b(blockHash.bytes()))
        .put("signer", node(signature.signer()))
        .put("signature", b(signature.signature()))
        .build();
  }

  private static CborMap aggregateCbor(String kind, long height, Hash blockHash, List<NodeSignature> signatures) {
    return CborMap.builder()
        .put("kind", kind)
        .put("height", u(height))
        .put("block", b(blockHash.bytes()))
        .put("signatures", signatures(signatures))
        .build();
  }
}
