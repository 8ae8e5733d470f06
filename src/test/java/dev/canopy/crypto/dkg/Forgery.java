package dev.canopy.crypto.dkg;

import dev.canopy.crypto.Ed25519SigningKey;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Test-only constructions of dishonest dealings, through the package's internals. */
final class Forgery {
  private Forgery() {}

  /** {@code dealing} with receiver {@code j}'s share replaced by an encryption of a wrong value, re-signed. */
  static DkgDealing withWrongShareFor(DkgConfig config, DkgDealing dealing, int j, Ed25519SigningKey dealerKey) {
    List<DkgDealing.EncryptedShare> shares = new ArrayList<>(dealing.shares());
    shares.set(
        j - 1,
        ShareEncryption.encrypt(
            config.rawInstanceId(),
            dealing.dealerIndex(),
            j,
            config.receiver(j),
            BigInteger.valueOf(42),
            Committee.random(j)));
    return DkgDealing.sign(
        config.rawInstanceId(), dealing.dealerIndex(), dealing.commitmentPoints(), shares, dealerKey);
  }
}
