package dev.canopy.types.hashtree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Mutation;
import dev.canopy.types.PrincipalFormatException;
import dev.canopy.types.cbor.CborDecodeException;
import dev.canopy.types.cbor.CborFieldException;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Pruning keeps the digest and the answers for the requested paths; decoders of trees and
 * certificates either decode or throw a typed error.
 */
class HashTreeProperties {
  /** A small alphabet, so random paths often hit, and often just miss, labels of the tree. */
  private static final List<String> LABELS = List.of("", "a", "aa", "b", "c", "d", "e", "\u00ff");

  @Property(tries = 300, seed = "55799001")
  void pruningKeepsTheDigestAndTheAnswersForRequestedPaths(
      @ForAll("data") LabeledTree data,
      @ForAll("paths") List<List<Label>> requested,
      @ForAll("paths") List<List<Label>> probes) {
    HashTree full = HashTree.fromLabeledTree(data);
    HashTree pruned = full.prune(requested);
    assertThat(pruned.digest()).isEqualTo(full.digest());
    for (List<Label> path : requested) {
      assertThat(pruned.lookup(path)).as("requested %s", path).isEqualTo(full.lookup(path));
    }
    // Pruning only ever hides: any other path answers as before or Unknown.
    for (List<Label> path : probes) {
      assertThat(pruned.lookup(path))
          .as("probe %s", path)
          .isIn(full.lookup(path), LookupResult.UNKNOWN);
    }
    // A pruned tree is well formed, round-trips through CBOR, and pruning it again changes nothing.
    assertThat(HashTree.decode(pruned.encode())).isEqualTo(pruned);
    assertThat(pruned.prune(requested)).isEqualTo(pruned);
  }

  @Property(tries = 300, seed = "55799002")
  void builtTreesRoundTripThroughCbor(@ForAll("data") LabeledTree data) {
    HashTree tree = HashTree.fromLabeledTree(data);
    HashTree decoded = HashTree.decode(tree.encode());
    assertThat(decoded).isEqualTo(tree);
    assertThat(decoded.digest()).isEqualTo(tree.digest());
    for (LeafPath leaf : tree.listPaths()) {
      assertThat(tree.lookup(leaf.path())).isEqualTo(new LookupResult.Found(leaf.value()));
    }
  }

  @Property(tries = 500, seed = "55799003")
  void mutatedTreeEncodingsDecodeOrFailTyped(
      @ForAll("data") LabeledTree data,
      @ForAll("paths") List<List<Label>> paths,
      @ForAll("mutations") List<Mutation> mutations) {
    byte[] valid = HashTree.fromLabeledTree(data).prune(paths).encode();
    byte[] input = Mutation.applyAll(valid, mutations);
    try {
      HashTree t = HashTree.decode(input);
      assertThat(HashTree.decode(t.encode())).isEqualTo(t);
    } catch (CborDecodeException | HashTreeFormatException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 1000, seed = "55799004")
  void randomBytesAsTreesOrCertificatesFailTyped(@ForAll("randomBytes") byte[] input) {
    try {
      HashTree.decode(input);
    } catch (CborDecodeException | HashTreeFormatException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
    decodeCertificateOrTypedError(input);
  }

  @Property(tries = 300, seed = "55799005")
  void mutatedCertificatesDecodeOrFailTyped(
      @ForAll("data") LabeledTree data, @ForAll("mutations") List<Mutation> mutations) {
    Certificate inner =
        new Certificate(HashTree.fromLabeledTree(data), new byte[48], Optional.empty());
    Certificate outer =
        new Certificate(
            HashTree.EMPTY,
            new byte[48],
            Optional.of(
                new Certificate.Delegation(
                    dev.canopy.types.SubnetId.fromText("2vxsx-fae"), inner.encode())));
    decodeCertificateOrTypedError(Mutation.applyAll(outer.encode(), mutations));
    decodeCertificateOrTypedError(Mutation.applyAll(inner.encode(), mutations));
  }

  private static void decodeCertificateOrTypedError(byte[] input) {
    try {
      Certificate c = Certificate.decode(input);
      c.delegation().ifPresent(d -> decodeCertificateOrTypedError(d.certificate()));
    } catch (CborDecodeException
        | HashTreeFormatException
        | CborFieldException
        | PrincipalFormatException e) {
      assertThat(e).isInstanceOf(InvalidInputException.class);
    }
  }

  @Provide
  Arbitrary<LabeledTree> data() {
    return Arbitraries.recursive(HashTreeProperties::leaves, HashTreeProperties::nodes, 0, 3);
  }

  private static Arbitrary<LabeledTree> leaves() {
    return Arbitraries.strings().alpha().ofMaxLength(3).map(LabeledTree::leaf);
  }

  private static Arbitrary<LabeledTree> nodes(Arbitrary<LabeledTree> inner) {
    return Arbitraries.maps(label(), inner)
        .ofMaxSize(6)
        .map(
            children -> {
              LabeledTree.Node.Builder b = LabeledTree.node();
              children.forEach(b::put);
              return (LabeledTree) b.build();
            });
  }

  private static Arbitrary<Label> label() {
    return Arbitraries.of(LABELS).map(Label::of);
  }

  @Provide
  Arbitrary<List<List<Label>>> paths() {
    Arbitrary<List<Label>> path = label().list().ofMaxSize(4);
    return path.list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<byte[]> randomBytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Mutation.some();
  }
}
