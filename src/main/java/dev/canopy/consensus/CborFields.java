package dev.canopy.consensus;

import dev.canopy.types.InvalidInputException;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.List;

/** Reading and writing the fields artifacts share, with errors that name the field. */
final class CborFields {
  private CborFields() {}

  static CborValue u(long value) {
    return CborValue.unsigned(value);
  }

  static CborValue b(byte[] bytes) {
    return CborValue.bytes(bytes);
  }

  static CborValue node(NodeId id) {
    return CborValue.bytes(id.toBytes());
  }

  static CborValue signatures(List<NodeSignature> signatures) {
    List<CborValue> items = new ArrayList<>(signatures.size());
    for (NodeSignature s : signatures) {
      items.add(CborArray.of(node(s.signer()), b(s.signature())));
    }
    return new CborArray(items);
  }

  static long height(CborMap m) {
    return m.getLong("height");
  }

  static Hash hash(CborMap m, String field) {
    byte[] bytes = m.getBytes(field);
    if (bytes.length != Hash.BYTES) {
      throw new InvalidArtifactException("field '" + field + "' must have " + Hash.BYTES + " bytes, got " + bytes.length);
    }
    return new Hash(bytes);
  }

  static NodeId node(CborValue v, String field) {
    try {
      return new NodeId(Principal.fromBytes(v.asBytes(field)));
    } catch (InvalidInputException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvalidArtifactException("field '" + field + "' is not a node id: " + e.getMessage(), e);
    }
  }

  static byte[] fixedBytes(CborMap m, String field, int maxBytes) {
    byte[] bytes = m.getBytes(field);
    if (bytes.length > maxBytes) {
      throw new InvalidArtifactException("field '" + field + "' has " + bytes.length + " bytes, more than " + maxBytes);
    }
    return bytes;
  }

  static List<NodeSignature> signatures(CborMap m, String field, int maxCount) {
    CborArray array = m.getArray(field);
    if (array.size() > maxCount) {
      throw new InvalidArtifactException("field '" + field + "' has " + array.size() + " signatures, more than " + maxCount);
    }
    List<NodeSignature> out = new ArrayList<>(array.size());
    for (CborValue item : array.items()) {
      CborArray pair = item.asArray(field);
      if (pair.size() != 2) {
        throw new InvalidArtifactException("each entry of '" + field + "' must be [signer, signature]");
      }
      byte[] signature = pair.get(1).asBytes(field);
      if (signature.length > ArtifactCodec.MAX_SIGNATURE_BYTES) {
        throw new InvalidArtifactException("a signature in '" + field + "' is too long");
      }
      out.add(new NodeSignature(node(pair.get(0), field), signature));
    }
    return out;
  }
}
