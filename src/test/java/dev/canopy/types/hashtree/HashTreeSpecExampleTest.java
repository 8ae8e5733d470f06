package dev.canopy.types.hashtree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.Hex;
import dev.canopy.types.hashtree.HashTree.Fork;
import dev.canopy.types.hashtree.HashTree.Labeled;
import dev.canopy.types.hashtree.HashTree.Leaf;
import dev.canopy.types.hashtree.HashTree.Pruned;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The spec's own example ("Certification › Example"), byte for byte. */
class HashTreeSpecExampleTest {
  static final String EXAMPLE_CBOR =
      "8301830183024161830183018302417882034568656c6c6f810083024179820345776f726c6483024162820344"
          + "676f6f648301830241638100830241648203476d6f726e696e67";
  static final String EXAMPLE_ROOT_HASH =
      "eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0";
  static final String PRUNED_CBOR =
      "83018301830241618301820458201b4feff9bef8131788b0c9dc6dbad6e81e524249c879e9f10f71ce3749f5a6"
          + "3883024179820345776f726c6483024162820458207b32ac0c6ba8ce35ac82c255fc7906f7fc130dab2a090f"
          + "80fe12f9c2cae83ba6830182045820ec8324b8a1f1ac16bd2e806edba78006479c9877fed4eb464a25485465"
          + "af601d830241648203476d6f726e696e67";

  /** The spec's drawing: a fork with Empty beside "x", and "c" over Empty. */
  static HashTree exampleTree() {
    return new Fork(
        new Fork(
            new Labeled(
                "a",
                new Fork(
                    new Fork(new Labeled("x", Leaf.of("hello")), HashTree.EMPTY),
                    new Labeled("y", Leaf.of("world")))),
            new Labeled("b", Leaf.of("good"))),
        new Fork(new Labeled("c", HashTree.EMPTY), new Labeled("d", Leaf.of("morning"))));
  }

  static List<List<Label>> requestedPaths() {
    return List.of(
        List.of(Label.of("a"), Label.of("y")), List.of(Label.of("ax")), List.of(Label.of("d")));
  }

  @Test
  void exampleTreeEncodesToTheSpecBytes() {
    assertThat(Hex.encode(exampleTree().encode())).isEqualTo(EXAMPLE_CBOR);
  }

  @Test
  void specBytesDecodeToTheExampleTree() {
    assertThat(HashTree.decode(Hex.decode(EXAMPLE_CBOR))).isEqualTo(exampleTree());
  }

  @Test
  void exampleTreeReconstructsToTheSpecRootHash() {
    assertThat(Hex.encode(exampleTree().digest())).isEqualTo(EXAMPLE_ROOT_HASH);
  }

  @Test
  void pruningToTheSpecPathsGivesTheSpecPrunedTree() {
    HashTree pruned = exampleTree().prune(requestedPaths());
    assertThat(Hex.encode(pruned.encode())).isEqualTo(PRUNED_CBOR);
    assertThat(Hex.encode(pruned.digest())).isEqualTo(EXAMPLE_ROOT_HASH);
  }

  @Test
  void specPrunedTreeHasTheDrawnShape() {
    HashTree expected =
        new Fork(
            new Fork(
                new Labeled(
                    "a",
                    new Fork(
                        new Pruned(
                            Hex.decode(
                                "1b4feff9bef8131788b0c9dc6dbad6e81e524249c879e9f10f71ce3749f5a638")),
                        new Labeled("y", Leaf.of("world")))),
                new Labeled(
                    "b",
                    new Pruned(
                        Hex.decode(
                            "7b32ac0c6ba8ce35ac82c255fc7906f7fc130dab2a090f80fe12f9c2cae83ba6")))),
            new Fork(
                new Pruned(
                    Hex.decode("ec8324b8a1f1ac16bd2e806edba78006479c9877fed4eb464a25485465af601d")),
                new Labeled("d", Leaf.of("morning"))));
    assertThat(HashTree.decode(Hex.decode(PRUNED_CBOR))).isEqualTo(expected);
  }

  @Test
  void lookupsInThePrunedTreeAnswerAsTheSpecSays() {
    HashTree pruned = HashTree.decode(Hex.decode(PRUNED_CBOR));
    assertThat(pruned.lookup("a", "a")).isEqualTo(LookupResult.UNKNOWN);
    assertThat(pruned.lookup("a", "y")).isEqualTo(new LookupResult.Found(bytes("world")));
    assertThat(pruned.lookup("aa")).isEqualTo(LookupResult.ABSENT);
    assertThat(pruned.lookup("ax")).isEqualTo(LookupResult.ABSENT);
    assertThat(pruned.lookup("b")).isEqualTo(LookupResult.UNKNOWN);
    assertThat(pruned.lookup("bb")).isEqualTo(LookupResult.UNKNOWN);
    assertThat(pruned.lookup("d")).isEqualTo(new LookupResult.Found(bytes("morning")));
    assertThat(pruned.lookup("e")).isEqualTo(LookupResult.ABSENT);
  }

  @Test
  void lookupsInTheFullTree() {
    HashTree full = exampleTree();
    assertThat(full.lookup("a", "x")).isEqualTo(new LookupResult.Found(bytes("hello")));
    assertThat(full.lookup("b")).isEqualTo(new LookupResult.Found(bytes("good")));
    assertThat(full.lookup("c")).isEqualTo(LookupResult.ABSENT); // Empty at the end of the path
    assertThat(full.lookup("a")).isEqualTo(LookupResult.ERROR); // a subtree, not a value
    assertThat(full.lookup()).isEqualTo(LookupResult.ERROR);
    assertThat(full.lookup("b", "z")).isEqualTo(LookupResult.ABSENT); // below a leaf
    assertThat(full.lookup("c", "z")).isEqualTo(LookupResult.ABSENT); // below Empty
    assertThat(full.lookup("0")).isEqualTo(LookupResult.ABSENT); // before the first label
  }

  @Test
  void listPathsRevealsTheLeavesInOrder() {
    assertThat(exampleTree().listPaths())
        .containsExactly(
            new LeafPath(List.of(Label.of("a"), Label.of("x")), bytes("hello")),
            new LeafPath(List.of(Label.of("a"), Label.of("y")), bytes("world")),
            new LeafPath(List.of(Label.of("b")), bytes("good")),
            new LeafPath(List.of(Label.of("d")), bytes("morning")));
  }

  @Test
  void lookupSubtreeFindsTheSubtree() {
    assertThat(exampleTree().lookupSubtree(List.of(Label.of("a"))))
        .isInstanceOfSatisfying(
            SubtreeLookup.Found.class,
            f -> assertThat(f.subtree().lookup("y")).isEqualTo(new LookupResult.Found(bytes("world"))));
    assertThat(exampleTree().lookupSubtree(List.of(Label.of("e")))).isEqualTo(SubtreeLookup.ABSENT);
    HashTree pruned = exampleTree().prune(requestedPaths());
    assertThat(pruned.lookupSubtree(List.of(Label.of("bb")))).isEqualTo(SubtreeLookup.UNKNOWN);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
