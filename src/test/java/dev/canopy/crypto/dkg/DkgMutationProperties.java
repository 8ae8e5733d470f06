package dev.canopy.crypto.dkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Damaged dealings and complaints give typed errors only, and never a dealing that verifies. */
class DkgMutationProperties {
  private static final Committee COMMITTEE = new Committee(4, 900);
  private static final DkgConfig CONFIG = COMMITTEE.freshConfig("mutation-test", 3);
  private static final DkgDealing DEALING = Forgery.withWrongShareFor(
      CONFIG, Dkg.deal(CONFIG, 1, COMMITTEE.nodeKeys.get(0), COMMITTEE.dealerRandom(1)), 2, COMMITTEE.nodeKeys.get(0));
  private static final DkgComplaint COMPLAINT = Dkg.checkShare(
      CONFIG, DEALING, 2, COMMITTEE.decryptionKeys.get(1), Committee.random(1)).orElseThrow();

  /** One edit: flip bits of a byte, delete a byte, insert a byte, or cut the input short. */
  record Mutation(int kind, int position, int value) {
    byte[] apply(byte[] input) {
      int p = Math.floorMod(position, input.length);
      switch (kind) {
        case 0: {
          byte[] out = input.clone();
          out[p] ^= (byte) (value == 0 ? 1 : value);
          return out;
        }
        case 1: {
          byte[] out = new byte[input.length - 1];
          System.arraycopy(input, 0, out, 0, p);
          System.arraycopy(input, p + 1, out, p, input.length - p - 1);
          return out;
        }
        case 2: {
          byte[] out = new byte[input.length + 1];
          System.arraycopy(input, 0, out, 0, p);
          out[p] = (byte) value;
          System.arraycopy(input, p, out, p + 1, input.length - p);
          return out;
        }
        default:
          return Arrays.copyOf(input, p);
      }
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<Mutation> one = Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, Integer.MAX_VALUE),
            Arbitraries.integers().between(0, 255))
        .as(Mutation::new);
    return one.list().ofMinSize(1).ofMaxSize(3);
  }

  private static byte[] mutate(byte[] input, List<Mutation> mutations) {
    byte[] out = input;
    for (Mutation m : mutations) {
      out = out.length == 0 ? new byte[] {(byte) m.value()} : m.apply(out);
    }
    return out;
  }

  @Property(tries = 400, seed = "77001")
  void aMutatedDealingIsATypedErrorOrFailsVerification(@ForAll("mutations") List<Mutation> mutations) {
    byte[] bytes = mutate(DEALING.encode(), mutations);
    DkgDealing decoded;
    try {
      decoded = DkgDealing.decode(bytes);
    } catch (DkgException expected) {
      return;
    }
    if (decoded.equals(DEALING)) {
      assertThat(bytes).isEqualTo(DEALING.encode()); // only the canonical bytes decode to it
      return;
    }
    try {
      Dkg.verifyDealing(CONFIG, decoded);
      throw new AssertionError("a mutated dealing verified: " + decoded);
    } catch (DkgException expected) {
      // the signature (or the shape) no longer holds
    }
  }

  @Property(tries = 300, seed = "77002")
  void aMutatedComplaintIsATypedErrorOrProvesNothing(@ForAll("mutations") List<Mutation> mutations) {
    byte[] bytes = mutate(COMPLAINT.encode(), mutations);
    DkgComplaint decoded;
    try {
      decoded = DkgComplaint.decode(bytes);
    } catch (DkgException expected) {
      return;
    }
    if (decoded.equals(COMPLAINT)) {
      return;
    }
    try {
      Dkg.verifyComplaint(CONFIG, DEALING, decoded);
      throw new AssertionError("a mutated complaint verified: " + decoded);
    } catch (DkgException expected) {
      // wrong instance, dealing, indices, point or proof
    }
  }

  @Property(tries = 200, seed = "77003")
  void arbitraryBytesAreATypedError(@ForAll byte[] bytes) {
    try {
      DkgDealing.decode(bytes);
    } catch (DkgException expected) {
      // fine
    }
    try {
      DkgComplaint.decode(bytes);
    } catch (DkgException expected) {
      // fine
    }
  }
}
