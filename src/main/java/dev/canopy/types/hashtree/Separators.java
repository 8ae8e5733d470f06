package dev.canopy.types.hashtree;

import dev.canopy.types.Hashing;

/** The domain separators of {@code reconstruct} ("Certification › Certificate"). */
final class Separators {
  static final byte[] EMPTY = Hashing.domainSeparator("ic-hashtree-empty");
  static final byte[] FORK = Hashing.domainSeparator("ic-hashtree-fork");
  static final byte[] LABELED = Hashing.domainSeparator("ic-hashtree-labeled");
  static final byte[] LEAF = Hashing.domainSeparator("ic-hashtree-leaf");

  private Separators() {}
}
