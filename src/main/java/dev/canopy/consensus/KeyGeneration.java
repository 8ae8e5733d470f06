package dev.canopy.consensus;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.dkg.Dkg;
import dev.canopy.crypto.dkg.DkgConfig;
import dev.canopy.crypto.dkg.DkgDealing;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How a subnet of several replicas creates its two threshold keys through consensus, fixed at
 * genesis for every replica alike: the random beacon's key (threshold f + 1) and the certification
 * (subnet) key (threshold n − f), each by one run of {@link Dkg} among all members, every member
 * both dealer and receiver (dealer and receiver i + 1 = node i).
 *
 * <p>Until both keys exist the subnet is in its bootstrap interval (see the Note in {@link
 * ConsensusStep}): blocks carry dealings and complaints instead of ingress. The {@link Schedule}
 * says at which heights the key generation may close and where dealings may go; {@link
 * KeyGenerationRecord} is what the finalized chain has put on record so far.
 */
public final class KeyGeneration {
  /** Which of the subnet's two keys a dealing or complaint is about. */
  public enum Key {
    /** The random beacon's key, threshold f + 1. */
    BEACON,
    /** The key that certifies the state (the subnet's public key, the root key), threshold n − f. */
    CERTIFICATION
  }

  /**
   * When the key generation may close: at every multiple of {@code intervalHeights} (a closing
   * height), if the finalized chain up to there holds enough acceptable dealings for both keys;
   * otherwise the bootstrap interval extends to the next closing height. Dealings go only into
   * blocks outside the last {@code complaintWindowHeights} heights before a closing height, so
   * every dealing on the chain leaves its receivers that many heights to get a complaint about it
   * onto the chain before the dealings are fixed.
   */
  public record Schedule(int intervalHeights, int complaintWindowHeights) {
    public Schedule {
      if (complaintWindowHeights < 1 || intervalHeights <= complaintWindowHeights || intervalHeights > 10_000) {
        throw new IllegalArgumentException("the key generation interval (" + intervalHeights
            + " heights) must exceed its complaint window (" + complaintWindowHeights + ", at least 1) and be at most 10000");
      }
    }

    /** Ten heights, the last three for complaints only: a few seconds at the default round time. */
    public static Schedule defaults() {
      return new Schedule(10, 3);
    }

    public boolean isClosingHeight(long height) {
      return height > 0 && height % intervalHeights == 0;
    }

    /** The first closing height above {@code height}. */
    public long nextClosingHeightAfter(long height) {
      return (Math.max(height, 0) / intervalHeights + 1) * intervalHeights;
    }

    /** Whether a block of {@code height} may carry dealings (complaints it may carry anywhere). */
    public boolean dealingsAllowedAt(long height) {
      return height > 0 && nextClosingHeightAfter(height - 1) - height >= complaintWindowHeights;
    }
  }

  private final SubnetMembership membership;
  private final Schedule schedule;
  private final DkgConfig beacon;
  private final DkgConfig certification;

  /** @throws IllegalArgumentException if the membership has no DKG encryption keys */
  public KeyGeneration(SubnetMembership membership, Schedule schedule) {
    if (!membership.hasKeyGeneration()) {
      throw new IllegalArgumentException("the membership has no DKG encryption keys to generate keys with");
    }
    this.membership = membership;
    this.schedule = schedule;
    this.beacon = DkgConfig.fresh(instanceId(membership, Key.BEACON), membership.beaconParameters().threshold(),
        membership.nodeKeys(), membership.dkgKeys());
    this.certification = DkgConfig.fresh(instanceId(membership, Key.CERTIFICATION),
        membership.certificationParameters().threshold(), membership.nodeKeys(), membership.dkgKeys());
  }

  /**
   * A run's instance id: bound into every dealing, share encryption and complaint, so that
   * artifacts of one subnet or one key are worthless for another.
   */
  private static byte[] instanceId(SubnetMembership membership, Key key) {
    return Hash.of(Domains.DKG_INSTANCE, Domains.concat(membership.subnetId().toBytes(),
        key.name().getBytes(StandardCharsets.US_ASCII))).bytes();
  }

  public SubnetMembership membership() {
    return membership;
  }

  public Schedule schedule() {
    return schedule;
  }

  public DkgConfig config(Key key) {
    return key == Key.BEACON ? beacon : certification;
  }

  /** The key an instance id belongs to, if it is one of this subnet's. */
  public Optional<Key> keyOf(byte[] instanceId) {
    for (Key key : Key.values()) {
      if (Arrays.equals(config(key).instanceId(), instanceId)) {
        return Optional.of(key);
      }
    }
    return Optional.empty();
  }

  /** The record before the first block: nothing dealt yet. */
  public KeyGenerationRecord start() {
    return KeyGenerationRecord.empty(this);
  }

  /**
   * Replica {@code nodeIndex}'s dealings of both keys, fresh secrets from {@code random}: a
   * {@link java.security.SecureRandom} in production, a seeded stream in the simulation. A replica
   * deals once per key generation; what it dealt is on the chain or in its peers' pools.
   */
  public List<Artifact.KeyDealing> deal(int nodeIndex, Ed25519SigningKey nodeKey, RandomGenerator random) {
    DkgDealing b = Dkg.deal(beacon, nodeIndex + 1, nodeKey, random);
    DkgDealing c = Dkg.deal(certification, nodeIndex + 1, nodeKey, random);
    return List.of(new Artifact.KeyDealing(b), new Artifact.KeyDealing(c));
  }
}
