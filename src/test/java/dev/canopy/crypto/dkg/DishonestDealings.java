package dev.canopy.crypto.dkg;

import dev.canopy.crypto.Ed25519SigningKey;

/**
 * Test support for other packages (the consensus simulation): dealings a Byzantine dealer makes,
 * built through this package's internals ({@link Forgery}).
 */
public final class DishonestDealings {
  private DishonestDealings() {}

  /**
   * {@code dealing}, re-signed by its dealer, with receiver {@code receiverIndex}'s share replaced
   * by the encryption of a value that fails the commitments: valid to everyone but that receiver.
   */
  public static DkgDealing withWrongShareFor(
      DkgConfig config, DkgDealing dealing, int receiverIndex, Ed25519SigningKey dealerKey) {
    return Forgery.withWrongShareFor(config, dealing, receiverIndex, dealerKey);
  }
}
