package dev.canopy.types;

import java.nio.ByteBuffer;

/**
 * A canister's id. Canopy mints ids in the Internet Computer's convention: a big-endian u64 index
 * followed by {@code 0x01 0x01} (index 0 is {@code rwlgt-iiaaa-aaaaa-aaaaa-cai}). The management
 * canister {@code aaaaa-aa} is also a canister id, with no index.
 */
public record CanisterId(Principal principal) implements Comparable<CanisterId> {
  public static final CanisterId MANAGEMENT = new CanisterId(Principal.MANAGEMENT_CANISTER);
  private static final int MINTED_LENGTH_BYTES = 10;

  public CanisterId {
    if (principal == null) {
      throw new IllegalArgumentException("principal is null");
    }
  }

  public static CanisterId fromIndex(long index) {
    ByteBuffer b = ByteBuffer.allocate(MINTED_LENGTH_BYTES);
    b.putLong(index).put((byte) 1).put((byte) 1);
    return new CanisterId(Principal.fromBytes(b.array()));
  }

  public static CanisterId fromText(String text) {
    return new CanisterId(Principal.fromText(text));
  }

  public static CanisterId fromBytes(byte[] bytes) {
    return new CanisterId(Principal.fromBytes(bytes));
  }

  /** Whether this id has the minted form {@code u64 · 01 01}, so that {@link #index()} is defined. */
  public boolean hasIndex() {
    byte[] b = principal.toBytes();
    return b.length == MINTED_LENGTH_BYTES && b[8] == 1 && b[9] == 1;
  }

  /** The u64 index (as an unsigned value in a long); throws for ids not of the minted form. */
  public long index() {
    if (!hasIndex()) {
      throw new InvalidInputException(this + " is not a canister id of the form u64 · 01 01");
    }
    return ByteBuffer.wrap(principal.toBytes()).getLong();
  }

  public byte[] toBytes() {
    return principal.toBytes();
  }

  public String toText() {
    return principal.toText();
  }

  @Override
  public int compareTo(CanisterId o) {
    return principal.compareTo(o.principal);
  }

  @Override
  public String toString() {
    return principal.toText();
  }
}
