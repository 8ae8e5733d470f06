package dev.canopy.types.hashtree;

import dev.canopy.types.Hashing;
import java.security.MessageDigest;

/** {@code reconstruct} ("Certification › Certificate"), with one SHA-256 instance per call. */
final class Digests {
  private static final byte[] EMPTY_SEPARATOR = Hashing.domainSeparator("ic-hashtree-empty");
  private static final byte[] FORK_SEPARATOR = Hashing.domainSeparator("ic-hashtree-fork");
  private static final byte[] LABELED_SEPARATOR = Hashing.domainSeparator("ic-hashtree-labeled");
  private static final byte[] LEAF_SEPARATOR = Hashing.domainSeparator("ic-hashtree-leaf");

  private Digests() {}

  static byte[] reconstruct(HashTree tree) {
    return reconstruct(tree, Hashing.sha256Digest());
  }

  /** Children are hashed before the parent's input starts, so one digest instance serves all. */
  private static byte[] reconstruct(HashTree tree, MessageDigest md) {
    if (tree instanceof HashTree.Fork f) {
      byte[] left = reconstruct(f.left(), md);
      byte[] right = reconstruct(f.right(), md);
      md.update(FORK_SEPARATOR);
      md.update(left);
      md.update(right);
      return md.digest();
    }
    if (tree instanceof HashTree.Labeled l) {
      byte[] subtree = reconstruct(l.subtree(), md);
      md.update(LABELED_SEPARATOR);
      md.update(l.label().rawBytes());
      md.update(subtree);
      return md.digest();
    }
    if (tree instanceof HashTree.Leaf l) {
      md.update(LEAF_SEPARATOR);
      md.update(l.rawValue());
      return md.digest();
    }
    if (tree instanceof HashTree.Pruned p) {
      return p.hash();
    }
    md.update(EMPTY_SEPARATOR);
    return md.digest();
  }
}
