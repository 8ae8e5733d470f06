package dev.canopy.consensus;

import static dev.canopy.consensus.CborFields.b;
import static dev.canopy.consensus.CborFields.node;

import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The key generation's part of a block of the bootstrap interval: dealings and complaints put on
 * the chain, in the order the block maker chose. Empty in every other block.
 *
 * <p>Wire form (inside the block, only when not empty): {@code {"dealings": [bytes…], "complaints":
 * [[complaint, signer, signature]…]}}, each dealing and complaint in its own canonical CBOR.
 */
public record DkgPayload(List<Artifact.KeyDealing> dealings, List<Artifact.KeyComplaint> complaints) {
  public static final DkgPayload EMPTY = new DkgPayload(List.of(), List.of());
  /** Far above what a block may carry (2n of each, n ≤ 1024); bounds decoding only. */
  static final int MAX_ENTRIES = 4096;

  public DkgPayload {
    dealings = List.copyOf(dealings);
    complaints = List.copyOf(complaints);
  }

  public boolean isEmpty() {
    return dealings.isEmpty() && complaints.isEmpty();
  }

  public CborMap toCbor() {
    List<CborValue> d = new ArrayList<>(dealings.size());
    for (Artifact.KeyDealing k : dealings) {
      d.add(b(k.dealing().encode()));
    }
    List<CborValue> c = new ArrayList<>(complaints.size());
    for (Artifact.KeyComplaint k : complaints) {
      c.add(CborArray.of(b(k.complaint().encode()), node(k.signature().signer()), b(k.signature().signature())));
    }
    return CborMap.builder().put("dealings", new CborArray(d)).put("complaints", new CborArray(c)).build();
  }

  /** The inverse of {@link #toCbor}; an empty payload is refused, since its encoding is no field at all. */
  public static DkgPayload fromCbor(CborMap m) {
    if (m.size() != 2) {
      throw new InvalidArtifactException("a key generation payload has the fields dealings and complaints");
    }
    CborArray d = m.getArray("dealings");
    CborArray c = m.getArray("complaints");
    if (d.size() > MAX_ENTRIES || c.size() > MAX_ENTRIES) {
      throw new InvalidArtifactException("a key generation payload has at most " + MAX_ENTRIES + " entries of each kind");
    }
    List<Artifact.KeyDealing> dealings = new ArrayList<>(d.size());
    for (CborValue v : d.items()) {
      dealings.add(new Artifact.KeyDealing(DkgDealing.decode(v.asBytes("dealings"))));
    }
    List<Artifact.KeyComplaint> complaints = new ArrayList<>(c.size());
    for (CborValue v : c.items()) {
      CborArray triple = v.asArray("complaints");
      if (triple.size() != 3) {
        throw new InvalidArtifactException("each complaint must be [complaint, signer, signature]");
      }
      byte[] signature = triple.get(2).asBytes("complaints");
      if (signature.length > ArtifactCodec.MAX_SIGNATURE_BYTES) {
        throw new InvalidArtifactException("a complaint's signature is too long");
      }
      complaints.add(new Artifact.KeyComplaint(DkgComplaint.decode(triple.get(0).asBytes("complaints")),
          new NodeSignature(node(triple.get(1), "complaints"), signature)));
    }
    DkgPayload payload = new DkgPayload(dealings, complaints);
    if (payload.isEmpty()) {
      throw new InvalidArtifactException("an empty key generation payload is encoded as no field");
    }
    return payload;
  }

  @Override
  public String toString() {
    return "DkgPayload[" + dealings.size() + " dealings, " + complaints.size() + " complaints]";
  }
}
