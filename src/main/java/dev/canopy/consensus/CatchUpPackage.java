package dev.canopy.consensus;

import static dev.canopy.consensus.CborFields.b;
import static dev.canopy.consensus.CborFields.u;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import java.util.Arrays;

/**
 * A catch-up package (CUP): the subnet's threshold signature over everything a replica needs to
 * resume at a checkpoint height without the heights below it: the finalized block proposal and
 * the random beacon of that height (the next block extends the one, the next beacon signs the
 * other), the hash of the replicated state after that height's batch ({@code StateCodec}'s state
 * hash), the hash of the state-sync manifest of its checkpoint (the chunks peers serve), and the
 * outcome of the subnet's key generation ({@link KeyGenerationRecord#outcome}), which a replica that
 * installs the package adopts with the state.
 *
 * <p>Replicas sign the {@link Content#hash content hash} with their share of the subnet key at each
 * checkpoint height; n − f matching shares combine into the signature, which verifies under the
 * subnet public key. With n − f signers at least f + 1 of them are honest and computed that state
 * themselves, so a replica may install a state whose manifest and state hash a valid CUP names.
 *
 * <p>Note: a CUP is not one of the pool's {@link Artifact}s: it is never validated against a
 * chain (it replaces the chain below it) and travels between replicas' catch-up actors only, so the
 * pool, the validator and the step stay unaware of it.
 */
public record CatchUpPackage(Content content, byte[] signature) {
  /**
   * Most bytes an encoded CUP may have: a block proposal, the key generation's outcome, a beacon
   * and a few hashes (just over 5 MiB, within Artery's large-message frame; checked in the tests).
   */
  public static final int MAX_BYTES =
      ArtifactCodec.MAX_ARTIFACT_BYTES + KeyGenerationRecord.MAX_OUTCOME_BYTES + 64 * 1024;

  private static final CborDecoder DECODER = CborDecoder.builder()
      .limits(CborLimits.DEFAULT.withMaxSizeBytes(MAX_BYTES).withMaxDepth(4)).build();

  public CatchUpPackage {
    if (content == null || signature == null) {
      throw new IllegalArgumentException("a catch-up package needs content and a signature");
    }
    if (signature.length == 0 || signature.length > ArtifactCodec.MAX_SIGNATURE_BYTES) {
      throw new IllegalArgumentException("a threshold signature has 1 to "
          + ArtifactCodec.MAX_SIGNATURE_BYTES + " bytes, not " + signature.length);
    }
    signature = signature.clone();
  }

  /**
   * What the subnet signs: the finalized block proposal and the beacon of a checkpoint height, the
   * hashes of the state and of its manifest, and the encoded outcome of the key generation ({@link
   * KeyGenerationRecord#outcome}; empty for a subnet whose keys were dealt at genesis).
   *
   * <p>Note: the key generation's outcome is signed with the rest, so a replica that lost its state
   * (and with it the record) gets the record from the package, vouched for by the n − f signers;
   * it still checks that the record gives the keys it verified the package with (the node's
   * {@code Replica#catchUpRecord}).
   */
  public record Content(
      Artifact.BlockProposal block, Artifact.RandomBeacon beacon, Hash stateHash, Hash manifestHash,
      byte[] keyGeneration) {
    public Content {
      if (block == null || beacon == null || stateHash == null || manifestHash == null
          || keyGeneration == null) {
        throw new IllegalArgumentException(
            "block, beacon, state hash, manifest hash and key generation are required");
      }
      if (block.height() < 1 || beacon.height() != block.height()) {
        throw new IllegalArgumentException("the block (height " + block.height()
            + ") and the beacon (height " + beacon.height() + ") must be of one height above 0");
      }
      if (keyGeneration.length > KeyGenerationRecord.MAX_OUTCOME_BYTES) {
        throw new IllegalArgumentException("the key generation's outcome has more than "
            + KeyGenerationRecord.MAX_OUTCOME_BYTES + " bytes: " + keyGeneration.length);
      }
      keyGeneration = keyGeneration.clone();
    }

    /** The content of a subnet whose keys were dealt at genesis: no key generation to carry. */
    public Content(
        Artifact.BlockProposal block, Artifact.RandomBeacon beacon, Hash stateHash, Hash manifestHash) {
      this(block, beacon, stateHash, manifestHash, new byte[0]);
    }

    @Override
    public byte[] keyGeneration() {
      return keyGeneration.clone();
    }

    public long height() {
      return block.height();
    }

    /** The finalized block's hash, which the next block names as its parent. */
    public Hash blockHash() {
      return block.block().hash();
    }

    CborMap toCbor() {
      // Block and beacon as their canonical artifact bytes: the same bytes replicas journal.
      return CborMap.builder()
          .put("height", u(height()))
          .put("block", b(block.toBytes()))
          .put("beacon", b(beacon.toBytes()))
          .put("state_hash", b(stateHash.bytes()))
          .put("manifest_hash", b(manifestHash.bytes()))
          .put("key_generation", b(keyGeneration))
          .build();
    }

    /** The hash the subnet's threshold key signs (behind {@link #signedMessage}). */
    public Hash hash() {
      return Hash.of(Domains.CATCH_UP_CONTENT, CborEncoder.encode(toCbor()));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Content c && block.equals(c.block) && beacon.equals(c.beacon)
          && stateHash.equals(c.stateHash) && manifestHash.equals(c.manifestHash)
          && Arrays.equals(keyGeneration, c.keyGeneration);
    }

    @Override
    public int hashCode() {
      return (block.hashCode() * 31 + stateHash.hashCode()) * 31 + Arrays.hashCode(keyGeneration);
    }

    @Override
    public String toString() {
      return "Content[h=" + height() + " block " + blockHash().shortHex() + " state "
          + stateHash.shortHex() + " manifest " + manifestHash.shortHex() + ", key generation "
          + keyGeneration.length + " bytes]";
    }

    static Content fromCbor(CborMap m) {
      if (m.size() != 6) {
        throw new InvalidArtifactException("catch-up package content has 6 fields, not " + m.size());
      }
      Artifact block = ArtifactCodec.decode(m.getBytes("block"));
      Artifact beacon = ArtifactCodec.decode(m.getBytes("beacon"));
      if (!(block instanceof Artifact.BlockProposal p) || !(beacon instanceof Artifact.RandomBeacon r)) {
        throw new InvalidArtifactException("a catch-up package holds a block proposal and a beacon");
      }
      Content content = new Content(p, r, CborFields.hash(m, "state_hash"),
          CborFields.hash(m, "manifest_hash"),
          CborFields.fixedBytes(m, "key_generation", KeyGenerationRecord.MAX_OUTCOME_BYTES));
      if (content.height() != m.getLong("height")) {
        throw new InvalidArtifactException("the catch-up package's height is not its block's");
      }
      return content;
    }
  }

  /** The message the subnet key signs for {@code contentHash}. */
  public static byte[] signedMessage(Hash contentHash) {
    return Domains.concat(Domains.CATCH_UP_SIGNATURE, contentHash.bytes());
  }

  public long height() {
    return content.height();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** Whether the signature is the subnet's (its threshold key's) over this content. */
  public boolean verify(BlsPublicKey subnetPublicKey) {
    return BlsSignatureScheme.verify(subnetPublicKey, signedMessage(content.hash()), signature);
  }

  /** The canonical CBOR bytes, as sent between replicas and journaled. */
  public byte[] toBytes() {
    return CborEncoder.encode(CborMap.builder()
        .put("kind", "catch_up_package")
        .put("content", content.toCbor())
        .put("signature", b(signature))
        .build());
  }

  /**
   * Decodes a CUP from its canonical CBOR; well-formed, not yet verified ({@link #verify}).
   *
   * @throws InvalidInputException if the bytes are not a well-formed CUP
   */
  public static CatchUpPackage decode(byte[] bytes) {
    if (bytes == null || bytes.length > MAX_BYTES) {
      throw new InvalidArtifactException("a catch-up package has at most " + MAX_BYTES + " bytes");
    }
    CborMap m = DECODER.decodeMap(bytes, "catch-up package");
    if (m.size() != 3 || !"catch_up_package".equals(m.getText("kind"))) {
      throw new InvalidArtifactException("not a catch-up package");
    }
    try {
      return new CatchUpPackage(Content.fromCbor(m.getMap("content")),
          CborFields.fixedBytes(m, "signature", ArtifactCodec.MAX_SIGNATURE_BYTES));
    } catch (IllegalArgumentException e) {
      throw new InvalidArtifactException("malformed catch-up package: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CatchUpPackage c && content.equals(c.content)
        && Arrays.equals(signature, c.signature);
  }

  @Override
  public int hashCode() {
    return content.hashCode() * 31 + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "CatchUpPackage[h=" + height() + " block " + content.blockHash().shortHex()
        + " state " + content.stateHash().shortHex() + "]";
  }
}
