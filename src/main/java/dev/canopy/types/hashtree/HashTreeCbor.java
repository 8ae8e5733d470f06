package dev.canopy.types.hashtree;

import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.HashTreeFormatException.Reason;
import java.math.BigInteger;

/** The CBOR form of hash trees ({@code certificates.cddl}: trees are arrays led by a node tag). */
final class HashTreeCbor {
  private static final int EMPTY = 0;
  private static final int FORK = 1;
  private static final int LABELED = 2;
  private static final int LEAF = 3;
  private static final int PRUNED = 4;

  private HashTreeCbor() {}

  static CborValue toCbor(HashTree tree) {
    if (tree instanceof HashTree.Empty) {
      return CborArray.of(CborValue.unsigned(EMPTY));
    }
    if (tree instanceof HashTree.Fork f) {
      return CborArray.of(CborValue.unsigned(FORK), toCbor(f.left()), toCbor(f.right()));
    }
    if (tree instanceof HashTree.Labeled l) {
      return CborArray.of(
          CborValue.unsigned(LABELED), CborValue.bytes(l.label().rawBytes()), toCbor(l.subtree()));
    }
    if (tree instanceof HashTree.Leaf l) {
      return CborArray.of(CborValue.unsigned(LEAF), CborValue.bytes(l.value()));
    }
    HashTree.Pruned p = (HashTree.Pruned) tree;
    return CborArray.of(CborValue.unsigned(PRUNED), CborValue.bytes(p.hash()));
  }

  static HashTree fromCbor(CborValue value, int maxDepth) {
    return fromCbor(value, 1, maxDepth);
  }

  private static HashTree fromCbor(CborValue value, int depth, int maxDepth) {
    if (depth > maxDepth) {
      throw new HashTreeFormatException(
          Reason.TOO_DEEP, "hash tree nests deeper than " + maxDepth + " nodes");
    }
    if (!(value instanceof CborArray a) || a.size() == 0) {
      throw malformed("a hash tree node must be a non-empty array, got " + value.kindName());
    }
    int tag = nodeTag(a.get(0));
    switch (tag) {
      case EMPTY:
        arity(a, 1, "empty");
        return HashTree.EMPTY;
      case FORK:
        arity(a, 3, "fork");
        return new HashTree.Fork(
            fromCbor(a.get(1), depth + 1, maxDepth), fromCbor(a.get(2), depth + 1, maxDepth));
      case LABELED:
        arity(a, 3, "labeled");
        return new HashTree.Labeled(
            Label.of(bytes(a.get(1), "label")), fromCbor(a.get(2), depth + 1, maxDepth));
      case LEAF:
        arity(a, 2, "leaf");
        return new HashTree.Leaf(bytes(a.get(1), "leaf value"));
      case PRUNED:
        arity(a, 2, "pruned");
        return new HashTree.Pruned(bytes(a.get(1), "pruned hash"));
      default:
        throw malformed("unknown hash tree node tag " + tag + " (expected 0-4)");
    }
  }

  private static int nodeTag(CborValue v) {
    if (v instanceof CborValue.UnsignedInt u && u.value().compareTo(BigInteger.valueOf(4)) <= 0) {
      return u.value().intValue();
    }
    throw malformed("unknown hash tree node tag " + v + " (expected 0-4)");
  }

  private static void arity(CborArray a, int expected, String kind) {
    if (a.size() != expected) {
      throw malformed(
          "a " + kind + " node has " + expected + " elements, got " + a.size());
    }
  }

  private static byte[] bytes(CborValue v, String what) {
    if (v instanceof CborValue.ByteString b) {
      return b.bytes();
    }
    throw new HashTreeFormatException(
        Reason.NOT_BYTES, "a hash tree " + what + " must be a byte string, got " + v.kindName());
  }

  private static HashTreeFormatException malformed(String message) {
    return new HashTreeFormatException(Reason.MALFORMED_NODE, message);
  }
}
