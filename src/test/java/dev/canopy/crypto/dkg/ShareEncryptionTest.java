package dev.canopy.crypto.dkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.dkg.DkgException.Reason;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ShareEncryptionTest {
  private static final byte[] INSTANCE = Committee.instance("encryption-test");
  private final DkgDecryptionKey receiver = DkgDecryptionKey.generate(Committee.random(1));
  private final DkgDecryptionKey other = DkgDecryptionKey.generate(Committee.random(2));

  private BigInteger open(DkgDecryptionKey key, int dealer, int receiverIndex, DkgDealing.EncryptedShare c) {
    byte[] shared = ShareEncryption.sharedPoint(key, c.ephemeralPoint()).compress();
    return ShareEncryption.open(INSTANCE, dealer, receiverIndex, receiver.publicKey(), c, shared);
  }

  @Property(tries = 30, seed = "20240601")
  void theReceiverRecoversTheShareAndNoOneElseDoes(@ForAll long seed) {
    BigInteger share = Group.randomNonZeroScalar(Committee.random(seed));
    DkgDealing.EncryptedShare c =
        ShareEncryption.encrypt(INSTANCE, 3, 2, receiver.publicKey(), share, Committee.random(seed + 1));
    assertThat(open(receiver, 3, 2, c)).isEqualTo(share);
    assertThat(open(other, 3, 2, c)).isNotEqualTo(share); // another receiver's key
    assertThat(open(receiver, 4, 2, c)).isNotEqualTo(share); // bound to the dealer index
    assertThat(open(receiver, 3, 1, c)).isNotEqualTo(share); // and to the receiver index
    assertThat(c.ciphertext()).isNotEqualTo(Group.scalarBytes(share));
  }

  @Test
  void freshRandomnessGivesUnrelatedCiphertextsOfTheSameShare() {
    BigInteger share = BigInteger.valueOf(7);
    DkgDealing.EncryptedShare a = ShareEncryption.encrypt(INSTANCE, 1, 1, receiver.publicKey(), share, Committee.random(10));
    DkgDealing.EncryptedShare b = ShareEncryption.encrypt(INSTANCE, 1, 1, receiver.publicKey(), share, Committee.random(11));
    assertThat(a.ephemeralKey()).isNotEqualTo(b.ephemeralKey());
    assertThat(a.ciphertext()).isNotEqualTo(b.ciphertext());
    assertThat(open(receiver, 1, 1, a)).isEqualTo(share);
    assertThat(open(receiver, 1, 1, b)).isEqualTo(share);
  }

  @Test
  void keysRoundTripAndInvalidKeysAreTypedErrors() {
    assertThat(DkgEncryptionPublicKey.fromBytes(receiver.publicKey().toBytes())).isEqualTo(receiver.publicKey());
    assertThat(DkgDecryptionKey.fromBytes(receiver.toBytes())).isEqualTo(receiver);
    assertThat(receiver.toString()).doesNotContain(dev.canopy.types.Hex.encode(receiver.toBytes()));

    byte[] identity = new byte[48];
    identity[0] = (byte) 0xc0;
    assertThat(catchThrowableOfType(DkgException.class, () -> DkgEncryptionPublicKey.fromBytes(identity)).reason())
        .isEqualTo(Reason.INVALID_POINT);
    assertThat(catchThrowableOfType(DkgException.class, () -> DkgEncryptionPublicKey.fromBytes(new byte[47])).reason())
        .isEqualTo(Reason.INVALID_POINT);
    assertThat(catchThrowableOfType(DkgException.class, () -> DkgDecryptionKey.fromBytes(new byte[32])).reason())
        .isEqualTo(Reason.MALFORMED);
    assertThat(catchThrowableOfType(
            DkgException.class, () -> DkgDecryptionKey.fromBytes(Group.scalarBytes(Group.R))).reason())
        .isEqualTo(Reason.MALFORMED);
  }

  @Test
  void aReceiverCannotCheckSharesWithAnotherReceiversIndex() {
    Committee committee = new Committee(4, 3);
    DkgConfig config = committee.freshConfig("encryption-test", 3);
    DkgDealing dealing = Dkg.deal(config, 1, committee.nodeKeys.get(0), committee.dealerRandom(1));
    DkgException e = catchThrowableOfType(DkgException.class,
        () -> Dkg.checkShare(config, dealing, 2, committee.decryptionKeys.get(0), Committee.random(1)));
    assertThat(e.reason()).isEqualTo(Reason.WRONG_KEY);
    // Decrypting receiver 2's share with receiver 1's key yields no valid share.
    assertThat(Dkg.openShare(config, dealing, 2, committee.decryptionKeys.get(0))).isEmpty();
    assertThat(Dkg.openShare(config, dealing, 2, committee.decryptionKeys.get(1))).isPresent();
  }
}
