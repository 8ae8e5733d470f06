package dev.canopy.types.cbor;

import java.util.List;

/** A CBOR array (major type 4) of definite length; immutable. */
public record CborArray(List<CborValue> items) implements CborValue {
  public CborArray {
    items = List.copyOf(items);
  }

  public static CborArray of(CborValue... items) {
    return new CborArray(List.of(items));
  }

  public int size() {
    return items.size();
  }

  public CborValue get(int index) {
    return items.get(index);
  }

  @Override
  public String kindName() {
    return "an array";
  }

  @Override
  public String toString() {
    return items.toString();
  }
}
