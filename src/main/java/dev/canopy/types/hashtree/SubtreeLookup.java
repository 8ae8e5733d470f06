package dev.canopy.types.hashtree;

/** The result of {@link HashTree#lookupSubtree}: the subtree at a path, or why there is none. */
public sealed interface SubtreeLookup
    permits SubtreeLookup.Found, SubtreeLookup.Absent, SubtreeLookup.Unknown {
  Absent ABSENT = new Absent();
  Unknown UNKNOWN = new Unknown();

  record Found(HashTree subtree) implements SubtreeLookup {}

  record Absent() implements SubtreeLookup {}

  record Unknown() implements SubtreeLookup {}
}
