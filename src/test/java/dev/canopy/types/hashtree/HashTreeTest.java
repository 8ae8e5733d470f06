package dev.canopy.types.hashtree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborDecodeException;
import dev.canopy.types.hashtree.HashTree.Fork;
import dev.canopy.types.hashtree.HashTree.Labeled;
import dev.canopy.types.hashtree.HashTree.Leaf;
import dev.canopy.types.hashtree.HashTree.Pruned;
import dev.canopy.types.hashtree.HashTreeFormatException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashTreeTest {
  private static List<Label> path(String... labels) {
    return Lookup.labels(labels);
  }

  @Test
  void digestsUseTheSpecDomainSeparators() {
    assertThat(HashTree.EMPTY.digest())
        .isEqualTo(Hashing.sha256(Hex.decode("11"), "ic-hashtree-empty".getBytes()));
    assertThat(Leaf.of("v").digest())
        .isEqualTo(Hashing.sha256(Hex.decode("10"), "ic-hashtree-leaf".getBytes(), "v".getBytes()));
    HashTree l = new Labeled("k", Leaf.of("v"));
    assertThat(l.digest())
        .isEqualTo(
            Hashing.sha256(
                Hex.decode("13"),
                "ic-hashtree-labeled".getBytes(),
                "k".getBytes(),
                Leaf.of("v").digest()));
    assertThat(new Fork(l, HashTree.EMPTY).digest())
        .isEqualTo(
            Hashing.sha256(
                Hex.decode("10"),
                "ic-hashtree-fork".getBytes(),
                l.digest(),
                HashTree.EMPTY.digest()));
    byte[] h = Hashing.sha256(new byte[] {1});
    assertThat(new Pruned(h).digest()).isEqualTo(h);
  }

  @Test
  void buildsBalancedForksOverSortedLabels() {
    LabeledTree data =
        LabeledTree.node()
            .put("c", LabeledTree.leaf("3"))
            .put("a", LabeledTree.leaf("1"))
            .put("b", LabeledTree.node().put("x", LabeledTree.leaf("bx")).build())
            .put("d", LabeledTree.node().build())
            .build();
    HashTree tree = HashTree.fromLabeledTree(data);
    assertThat(tree)
        .isEqualTo(
            new Fork(
                new Fork(
                    new Labeled("a", Leaf.of("1")),
                    new Labeled("b", new Labeled("x", Leaf.of("bx")))),
                new Fork(new Labeled("c", Leaf.of("3")), new Labeled("d", HashTree.EMPTY))));
    assertThat(tree.lookup("b", "x")).isEqualTo(new LookupResult.Found("bx".getBytes()));
    assertThat(tree.lookup("d")).isEqualTo(LookupResult.ABSENT);
    assertThat(HashTree.fromLabeledTree(LabeledTree.node().build())).isEqualTo(HashTree.EMPTY);
  }

  @Test
  void labelsCompareAsUnsignedBytes() {
    LabeledTree data =
        LabeledTree.node()
            .put(new byte[] {(byte) 0xff}, LabeledTree.leaf("high"))
            .put(new byte[] {0x01}, LabeledTree.leaf("low"))
            .build();
    HashTree tree = HashTree.fromLabeledTree(data);
    assertThat(((Labeled) ((Fork) tree).left()).label()).isEqualTo(Label.of(new byte[] {1}));
    // Decoding it back passes the well-formedness check.
    assertThat(HashTree.decode(tree.encode())).isEqualTo(tree);
  }

  @Test
  void prunedTreesProveAbsenceOfPathsNotInTheFullTree() {
    HashTree full = HashTree.fromLabeledTree(sampleData());
    for (String missing : new String[] {"0", "a0", "c", "m", "zz"}) {
      HashTree pruned = full.prune(List.of(path(missing)));
      assertThat(pruned.digest()).isEqualTo(full.digest());
      assertThat(pruned.lookup(missing)).as(missing).isEqualTo(LookupResult.ABSENT);
      assertThat(pruned.lookup("b")).as("unrequested " + missing).isEqualTo(LookupResult.UNKNOWN);
    }
    HashTree pruned = full.prune(List.of(path("b", "q"), path("k", "v", "w"), path("z", "x")));
    assertThat(pruned.lookup("b", "q")).isEqualTo(LookupResult.ABSENT); // below a leaf
    assertThat(pruned.lookup("k", "v", "w")).isEqualTo(LookupResult.ABSENT); // below Empty
    assertThat(pruned.lookup("z", "x")).isEqualTo(LookupResult.ABSENT);
    assertThat(pruned.digest()).isEqualTo(full.digest());
  }

  @Test
  void pruningToNothingLeavesTheRootHash() {
    HashTree full = HashTree.fromLabeledTree(sampleData());
    assertThat(full.prune(List.of())).isEqualTo(new Pruned(full.digest()));
    assertThat(full.prune(List.of(List.of()))).isEqualTo(full);
  }

  @Test
  void aRequestedPathRevealsEverythingBelowIt() {
    HashTree full = HashTree.fromLabeledTree(sampleData());
    HashTree pruned = full.prune(List.of(path("z")));
    assertThat(pruned.lookup("z", "y")).isEqualTo(new LookupResult.Found("zy".getBytes()));
    assertThat(pruned.lookup("z", "z")).isEqualTo(new LookupResult.Found("zz".getBytes()));
    assertThat(pruned.lookup("a")).isEqualTo(LookupResult.UNKNOWN);
  }

  private static LabeledTree sampleData() {
    return LabeledTree.node()
        .put("a", LabeledTree.leaf("a"))
        .put("b", LabeledTree.leaf("b"))
        .put("d", LabeledTree.leaf("d"))
        .put("k", LabeledTree.node().put("v", LabeledTree.node().build()).build())
        .put(
            "z",
            LabeledTree.node()
                .put("y", LabeledTree.leaf("zy"))
                .put("z", LabeledTree.leaf("zz"))
                .build())
        .build();
  }

  @Test
  void decodingChecksNodeShapes() {
    assertFormat("80", Reason.MALFORMED_NODE); // []
    assertFormat("8105", Reason.MALFORMED_NODE); // [5]
    assertFormat("8100" + "", null); // [0] is fine
    assertFormat("820000", Reason.MALFORMED_NODE); // [0, 0]
    assertFormat("820180", Reason.MALFORMED_NODE); // [1, []]: a fork needs two subtrees
    assertFormat("8203" + "6161", Reason.NOT_BYTES); // [3, "a"]
    assertFormat("8302" + "6161" + "8100", Reason.NOT_BYTES); // [2, "a", [0]]
    assertFormat("61" + "61", Reason.MALFORMED_NODE); // "a"
    assertFormat("81" + "20", Reason.MALFORMED_NODE); // [-1]
  }

  @Test
  void prunedHashesHaveExactly32Bytes() {
    assertFormat("8204" + "5820" + "00".repeat(32), null);
    assertFormat("8204" + "581f" + "00".repeat(31), Reason.PRUNED_HASH_LENGTH);
    assertFormat("8204" + "5821" + "00".repeat(33), Reason.PRUNED_HASH_LENGTH);
  }

  @Test
  void labelsMustStrictlyIncreaseAcrossAFlattenedForest() {
    String a = "830241618100"; // [2, 'a', [0]]
    String b = "830241628100";
    String pruned = "8204" + "5820" + "11".repeat(32);
    assertFormat("8301" + a + b, null);
    assertFormat("8301" + "8301" + a + pruned + b, null); // pruned nodes may stand between
    assertFormat("8301" + b + a, Reason.LABELS_NOT_INCREASING);
    assertFormat("8301" + a + a, Reason.LABELS_NOT_INCREASING);
    assertFormat("8301" + "8301" + a + b + "8301" + pruned + a, Reason.LABELS_NOT_INCREASING);
    // ... and inside labeled subtrees too.
    assertFormat("830241" + "61" + "8301" + b + a, Reason.LABELS_NOT_INCREASING);
  }

  @Test
  void leavesMayNotBeMixedWithLabeledNodes() {
    String leaf = "820341" + "76"; // [3, 'v']
    assertFormat(leaf, null); // a tree may be a single leaf
    assertFormat("8301" + "830241618100" + leaf, Reason.LEAF_IN_FORK);
    assertFormat("8301" + leaf + "8100", Reason.LEAF_IN_FORK);
  }

  @Test
  void depthIsLimited() {
    // [2, 'a', [2, 'a', ... [0]]] nested 300 deep: rejected by the CBOR depth limit first.
    String deep = "830241" + "61";
    String hex = deep.repeat(300) + "8100";
    assertThatThrownBy(() -> HashTree.decode(Hex.decode(hex)))
        .isInstanceOf(CborDecodeException.class);
    String shallow = deep.repeat(20) + "8100";
    HashTree ok = HashTree.decode(Hex.decode(shallow));
    assertThatThrownBy(() -> HashTree.fromCbor(ok.toCbor(), 10))
        .isInstanceOfSatisfying(
            HashTreeFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_DEEP));
  }

  private static void assertFormat(String hex, Reason reason) {
    if (reason == null) {
      HashTree t = HashTree.decode(Hex.decode(hex));
      assertThat(Hex.encode(t.encode())).isEqualTo(hex);
      return;
    }
    assertThatThrownBy(() -> HashTree.decode(Hex.decode(hex)))
        .isInstanceOf(InvalidInputException.class)
        .isInstanceOfSatisfying(
            HashTreeFormatException.class,
            e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
  }

  @Test
  void aBitTrieNodeSplitsOnTheFirstDifferingBitAndKeepsLabelsInOrder() {
    // 0x10 = 0001 0000, 0x18 = 0001 1000, 0x80 = 1000 0000: the root splits on bit 0 (0x80 alone
    // on the right), then 0x10 and 0x18 on bit 4; bits 1 to 3, shared, make no forks.
    Labeled a = new Labeled(Label.of(new byte[] {0x10}), Leaf.of("a"));
    Labeled b = new Labeled(Label.of(new byte[] {0x18}), Leaf.of("b"));
    Labeled c = new Labeled(Label.of(new byte[] {(byte) 0x80}), Leaf.of("c"));
    LabeledTree data =
        LabeledTree.node()
            .bitTrie()
            .put(new byte[] {(byte) 0x80}, LabeledTree.leaf("c"))
            .put(new byte[] {0x10}, LabeledTree.leaf("a"))
            .put(new byte[] {0x18}, LabeledTree.leaf("b"))
            .build();
    HashTree trie = HashTree.fromLabeledTree(data);
    assertThat(trie).isEqualTo(new Fork(new Fork(a, b), c));
    assertThat(BitTrie.firstDifferingBit(new byte[] {0x10}, new byte[] {0x18})).isEqualTo(4);
    assertThat(BitTrie.firstDifferingBit(new byte[] {1, 0}, new byte[] {1, 1})).isEqualTo(15);
    assertThat(BitTrie.firstDifferingBit(new byte[] {7}, new byte[] {7})).isEqualTo(BitTrie.NONE);
    // Same lookups as the balanced shape (Fork(Fork(a, b), c) happens to be that too for three
    // labels; with four, 0x10 0x18 0x19 0x80, the shapes differ but the answers do not).
    LabeledTree four =
        LabeledTree.node()
            .bitTrie()
            .put(new byte[] {0x10}, LabeledTree.leaf("a"))
            .put(new byte[] {0x18}, LabeledTree.leaf("b"))
            .put(new byte[] {0x19}, LabeledTree.leaf("d"))
            .put(new byte[] {(byte) 0x80}, LabeledTree.leaf("c"))
            .build();
    HashTree byBits = HashTree.fromLabeledTree(four);
    HashTree balanced = HashTree.fromLabeledTree(new LabeledTree.Node(((LabeledTree.Node) four).children()));
    assertThat(byBits.digest()).isNotEqualTo(balanced.digest());
    assertThat(HashTree.decode(byBits.encode())).isEqualTo(byBits);
    for (int v = 0; v < 256; v++) {
      List<Label> p = List.of(Label.of(new byte[] {(byte) v}));
      assertThat(byBits.lookup(p)).as("label %02x", v).isEqualTo(balanced.lookup(p));
      assertThat(byBits.prune(List.of(p)).lookup(p)).as("label %02x", v).isEqualTo(balanced.lookup(p));
    }
    assertThatThrownBy(
            () -> HashTree.fromLabeledTree(
                LabeledTree.node().bitTrie().put("ab", LabeledTree.leaf("x")).put("b", LabeledTree.leaf("y")).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
