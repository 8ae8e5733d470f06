package dev.canopy.consensus;

import static dev.canopy.consensus.CborFields.fixedBytes;
import static dev.canopy.consensus.CborFields.hash;
import static dev.canopy.consensus.CborFields.height;
import static dev.canopy.consensus.CborFields.node;
import static dev.canopy.consensus.CborFields.signatures;

import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;

/**
 * Decodes artifacts from their canonical CBOR ({@link Artifact#toBytes()}), for the network, the
 * persisted pool and catch-up. Anything malformed is an {@link InvalidInputException}; a decoded
 * artifact is well-formed but not yet validated (signatures, heights and links are the
 * validator's business).
 */
public final class ArtifactCodec {
  public static final int MAX_ARTIFACT_BYTES = 4 * 1024 * 1024;
  public static final int MAX_MESSAGES_PER_BLOCK = 10_000;
  public static final int MAX_SIGNATURES = 1024;
  /** Ed25519 signatures have 64 bytes and BLS ones 48; anything longer is not a signature. */
  public static final int MAX_SIGNATURE_BYTES = 64;

  private static final CborDecoder DECODER =
      CborDecoder.builder().limits(CborLimits.DEFAULT.withMaxSizeBytes(MAX_ARTIFACT_BYTES).withMaxDepth(8)).build();

  private ArtifactCodec() {}

  public static Artifact decode(byte[] bytes) {
    CborMap m = DECODER.decodeMap(bytes, "consensus artifact");
    String kind = m.getText("kind");
    try {
      return switch (kind) {
        case "block_proposal" -> {
          expectFields(m, 3);
          yield new Artifact.BlockProposal(
              Block.fromCbor(m.getMap("block")), fixedBytes(m, "signature", MAX_SIGNATURE_BYTES));
        }
        case "notarization_share" -> {
          expectFields(m, 5);
          yield new Artifact.NotarizationShare(height(m), hash(m, "block"), share(m));
        }
        case "finalization_share" -> {
          expectFields(m, 5);
          yield new Artifact.FinalizationShare(height(m), hash(m, "block"), share(m));
        }
        case "notarization" -> {
          expectFields(m, 4);
          yield new Artifact.Notarization(height(m), hash(m, "block"), signatures(m, "signatures", MAX_SIGNATURES));
        }
        case "finalization" -> {
          expectFields(m, 4);
          yield new Artifact.Finalization(height(m), hash(m, "block"), signatures(m, "signatures", MAX_SIGNATURES));
        }
        case "random_beacon_share" -> {
          expectFields(m, 5);
          yield new Artifact.RandomBeaconShare(
              height(m), hash(m, "parent"), node(m.require("signer"), "signer"), fixedBytes(m, "share", MAX_SIGNATURE_BYTES));
        }
        case "random_beacon" -> {
          expectFields(m, 4);
          yield new Artifact.RandomBeacon(height(m), hash(m, "parent"), fixedBytes(m, "signature", MAX_SIGNATURE_BYTES));
        }
        case "key_dealing" -> {
          expectFields(m, 2);
          yield new Artifact.KeyDealing(DkgDealing.decode(m.getBytes("dealing")));
        }
        case "key_complaint" -> {
          expectFields(m, 4);
          yield new Artifact.KeyComplaint(DkgComplaint.decode(m.getBytes("complaint")), share(m));
        }
        default -> throw new InvalidArtifactException("unknown artifact kind '" + kind + "'");
      };
    } catch (IllegalArgumentException e) {
      // A record's compact constructor refused a value the fields allowed (e.g. height 0 for a share).
      throw new InvalidArtifactException("malformed " + kind + ": " + e.getMessage(), e);
    }
  }

  private static NodeSignature share(CborMap m) {
    return new NodeSignature(node(m.require("signer"), "signer"), fixedBytes(m, "signature", MAX_SIGNATURE_BYTES));
  }

  private static void expectFields(CborMap m, int count) {
    if (m.size() != count) {
      throw new InvalidArtifactException("expected " + count + " fields, got " + m.size());
    }
  }
}
