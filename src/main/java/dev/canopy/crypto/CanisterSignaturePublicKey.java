package dev.canopy.crypto;

import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.util.Arrays;
import java.util.Objects;

/**
 * A canister-signature public key (spec "Canister signatures"): DER {@code SubjectPublicKeyInfo}
 * with OID 1.3.6.1.4.1.56387.1.2 whose BIT STRING is {@code |signing_canister_id| ·
 * signing_canister_id · seed}. Each seed gives the canister another key; Internet Identity, for
 * one, derives a user's seed from the user and the frontend.
 */
public final class CanisterSignaturePublicKey implements UserPublicKey {
  public static final String OID = PublicKeyDer.CANISTER_SIGNATURE_OID;

  private final Principal signingCanister;
  private final byte[] seed;
  private final byte[] der;

  private CanisterSignaturePublicKey(Principal signingCanister, byte[] seed, byte[] der) {
    this.signingCanister = signingCanister;
    this.seed = seed;
    this.der = der;
  }

  /** The key of {@code signingCanister} for {@code seed}. */
  public static CanisterSignaturePublicKey of(Principal signingCanister, byte[] seed) {
    Objects.requireNonNull(signingCanister, "signingCanister");
    byte[] id = signingCanister.toBytes();
    byte[] bytes = new byte[1 + id.length + seed.length];
    bytes[0] = (byte) id.length;
    System.arraycopy(id, 0, bytes, 1, id.length);
    System.arraycopy(seed, 0, bytes, 1 + id.length, seed.length);
    byte[] der = PublicKeyDer.wrapKeyBytes(OID, bytes);
    if (der.length > Der.MAX_INPUT_BYTES) {
      throw new IllegalArgumentException("a seed of " + seed.length + " bytes makes the key too long");
    }
    return new CanisterSignaturePublicKey(signingCanister, seed.clone(), der);
  }

  /** Parses the DER key; a malformed one is an {@link InvalidPublicKeyException}. */
  public static CanisterSignaturePublicKey fromDer(byte[] der) {
    byte[] bytes = PublicKeyDer.wrappedKeyBytes(der, OID, "a canister-signature key");
    if (bytes.length == 0) {
      throw malformed("a canister-signature key's BIT STRING is empty; it starts with the length of the"
          + " signing canister's id");
    }
    int idLength = bytes[0] & 0xff;
    if (idLength > Principal.MAX_LENGTH_BYTES || idLength > bytes.length - 1) {
      throw malformed("a canister-signature key declares a signing canister id of " + idLength
          + " bytes, but " + (idLength > Principal.MAX_LENGTH_BYTES
              ? "a principal has at most " + Principal.MAX_LENGTH_BYTES
              : "only " + (bytes.length - 1) + " follow"));
    }
    Principal canister;
    try {
      canister = Principal.fromBytes(Arrays.copyOfRange(bytes, 1, 1 + idLength));
    } catch (InvalidInputException e) {
      throw malformed("the signing canister id of a canister-signature key is invalid: " + e.getMessage());
    }
    return new CanisterSignaturePublicKey(
        canister, Arrays.copyOfRange(bytes, 1 + idLength, bytes.length), der.clone());
  }

  private static InvalidPublicKeyException malformed(String message) {
    return new InvalidPublicKeyException(InvalidPublicKeyException.Reason.MALFORMED, OID, message);
  }

  /** The canister whose certified data carries the signatures. */
  public Principal signingCanister() {
    return signingCanister;
  }

  public byte[] seed() {
    return seed.clone();
  }

  @Override
  public byte[] toDer() {
    return der.clone();
  }

  @Override
  public String schemeName() {
    return "canister signature (canister " + signingCanister + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanisterSignaturePublicKey k && Arrays.equals(der, k.der);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(der);
  }

  @Override
  public String toString() {
    return "CanisterSignaturePublicKey[" + signingCanister + ", seed " + Hex.encode(seed) + "]";
  }
}
