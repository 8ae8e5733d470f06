package dev.canopy.consensus;

import dev.canopy.types.Hashing;

/**
 * Domain separators for everything consensus hashes or signs, each prefixed by its length
 * ({@link Hashing#domainSeparator}), so no signature or hash of one kind can pass for another.
 */
final class Domains {
  static final byte[] BLOCK = Hashing.domainSeparator("canopy-block");
  static final byte[] BLOCK_PROPOSAL = Hashing.domainSeparator("canopy-block-proposal");
  static final byte[] NOTARIZATION = Hashing.domainSeparator("canopy-notarization");
  static final byte[] FINALIZATION = Hashing.domainSeparator("canopy-finalization");
  static final byte[] RANDOM_BEACON = Hashing.domainSeparator("canopy-random-beacon");
  static final byte[] ARTIFACT = Hashing.domainSeparator("canopy-consensus-artifact");
  static final byte[] RANKING = Hashing.domainSeparator("canopy-block-maker-ranking");
  static final byte[] BATCH_RANDOMNESS = Hashing.domainSeparator("canopy-batch-randomness");
  static final byte[] GENESIS = Hashing.domainSeparator("canopy-genesis");
  static final byte[] CATCH_UP_CONTENT = Hashing.domainSeparator("canopy-catch-up-package");
  static final byte[] CATCH_UP_SIGNATURE = Hashing.domainSeparator("canopy-catch-up-package-signature");
  static final byte[] BOOTSTRAP_BEACON = Hashing.domainSeparator("canopy-bootstrap-beacon");
  static final byte[] KEY_COMPLAINT = Hashing.domainSeparator("canopy-key-complaint");
  static final byte[] DKG_INSTANCE = Hashing.domainSeparator("canopy-dkg-instance");
  static final byte[] COMPLAINT_NONCE = Hashing.domainSeparator("canopy-dkg-complaint-entropy");

  private Domains() {}

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
