package dev.canopy.crypto.dkg;

import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.InvalidThresholdInputException;
import dev.canopy.crypto.ThresholdBls.Parameters;
import dev.canopy.crypto.dkg.DkgException.Reason;
import dev.canopy.types.Hex;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One run of the DKG, as the registry and consensus fix it for every replica alike: which
 * instance (bound into every signature, key derivation and proof, so artifacts of one run are
 * worthless in another), the new threshold, the dealers (by node signing key; dealer {@code i} is
 * at position {@code i-1}) and the receivers (by DKG encryption key; receiver {@code j} at
 * {@code j-1}, and receiver {@code j} will hold key share {@code j}).
 *
 * <p>A fresh run creates a new random key. A resharing run re-deals an existing key: the dealers
 * are the holders of its shares, in share order, and the new shares belong to the same group key.
 */
public final class DkgConfig {
  public static final int MAX_INSTANCE_ID_BYTES = 64;
  public static final int MAX_PARTICIPANTS = Parameters.MAX_SHARES;

  private final byte[] instanceId;
  private final Parameters parameters;
  private final List<Ed25519PublicKey> dealers;
  private final List<DkgEncryptionPublicKey> receivers;
  private final ThresholdPublicKeys previous;

  private DkgConfig(
      byte[] instanceId,
      int threshold,
      List<Ed25519PublicKey> dealers,
      List<DkgEncryptionPublicKey> receivers,
      ThresholdPublicKeys previous) {
    if (instanceId.length < 1 || instanceId.length > MAX_INSTANCE_ID_BYTES) {
      throw new DkgException(
          Reason.BAD_CONFIG,
          "a DKG instance id has 1.." + MAX_INSTANCE_ID_BYTES + " bytes, got " + instanceId.length);
    }
    this.instanceId = instanceId.clone();
    this.dealers = List.copyOf(dealers);
    this.receivers = List.copyOf(receivers);
    this.previous = previous;
    try {
      this.parameters = new Parameters(threshold, this.receivers.size());
    } catch (InvalidThresholdInputException e) {
      throw new DkgException(Reason.BAD_CONFIG, "receivers: " + e.getMessage(), e);
    }
    if (this.dealers.isEmpty() || this.dealers.size() > MAX_PARTICIPANTS) {
      throw new DkgException(
          Reason.BAD_CONFIG, "a DKG has 1.." + MAX_PARTICIPANTS + " dealers, got " + this.dealers.size());
    }
    if (previous != null && previous.parameters().shareCount() != this.dealers.size()) {
      throw new DkgException(
          Reason.BAD_CONFIG,
          "resharing: the " + this.dealers.size() + " dealers must be the "
              + previous.parameters().shareCount() + " holders of the previous shares");
    }
    if (dealingsRequired() > this.dealers.size()) {
      throw new DkgException(
          Reason.BAD_CONFIG,
          dealingsRequired() + " dealings are required but there are only " + this.dealers.size()
              + " dealers");
    }
  }

  /** A run that creates a new key, {@code threshold} of {@code receivers.size()}. */
  public static DkgConfig fresh(
      byte[] instanceId,
      int threshold,
      List<Ed25519PublicKey> dealers,
      List<DkgEncryptionPublicKey> receivers) {
    return new DkgConfig(instanceId, threshold, dealers, receivers, null);
  }

  /**
   * A run that re-deals the key described by {@code previous} to {@code receivers}, with a new
   * threshold; {@code dealers} are the holders of {@code previous}'s shares, in share order.
   */
  public static DkgConfig resharing(
      byte[] instanceId,
      int threshold,
      List<Ed25519PublicKey> dealers,
      List<DkgEncryptionPublicKey> receivers,
      ThresholdPublicKeys previous) {
    return new DkgConfig(
        instanceId, threshold, dealers, receivers, Objects.requireNonNull(previous, "previous"));
  }

  public byte[] instanceId() {
    return instanceId.clone();
  }

  byte[] rawInstanceId() {
    return instanceId;
  }

  /** The new key's threshold and share count (= number of receivers). */
  public Parameters parameters() {
    return parameters;
  }

  public int threshold() {
    return parameters.threshold();
  }

  public int receiverCount() {
    return receivers.size();
  }

  public int dealerCount() {
    return dealers.size();
  }

  public List<Ed25519PublicKey> dealers() {
    return dealers;
  }

  public List<DkgEncryptionPublicKey> receivers() {
    return receivers;
  }

  /** The key being re-dealt, for a resharing run. */
  public Optional<ThresholdPublicKeys> previous() {
    return Optional.ofNullable(previous);
  }

  /**
   * How many dealings the transcript combines: the new threshold for a fresh key (so with fewer
   * than {@code t} faulty dealers at least one dealing is honest and the key is secret), the old
   * threshold for a resharing (the number of old shares that determine the old key).
   */
  public int dealingsRequired() {
    return previous == null ? parameters.threshold() : previous.parameters().threshold();
  }

  Ed25519PublicKey dealer(int dealerIndex) {
    checkDealerIndex(dealerIndex);
    return dealers.get(dealerIndex - 1);
  }

  DkgEncryptionPublicKey receiver(int receiverIndex) {
    if (receiverIndex < 1 || receiverIndex > receivers.size()) {
      throw new DkgException(
          Reason.INDEX_OUT_OF_RANGE,
          "receiver index " + receiverIndex + " is outside 1.." + receivers.size());
    }
    return receivers.get(receiverIndex - 1);
  }

  void checkDealerIndex(int dealerIndex) {
    if (dealerIndex < 1 || dealerIndex > dealers.size()) {
      throw new DkgException(
          Reason.INDEX_OUT_OF_RANGE, "dealer index " + dealerIndex + " is outside 1.." + dealers.size());
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DkgConfig c
        && Arrays.equals(instanceId, c.instanceId)
        && parameters.equals(c.parameters)
        && dealers.equals(c.dealers)
        && receivers.equals(c.receivers)
        && Objects.equals(previous, c.previous);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(instanceId), parameters, dealers, receivers);
  }

  @Override
  public String toString() {
    return "DkgConfig[instance " + Hex.encode(instanceId) + ", " + parameters + ", "
        + dealers.size() + " dealers" + (previous == null ? "" : ", resharing") + "]";
  }
}
