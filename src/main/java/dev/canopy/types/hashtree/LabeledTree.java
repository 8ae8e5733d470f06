package dev.canopy.types.hashtree;

import dev.canopy.types.Hex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Labeled data to certify: nodes map labels (in sorted order) to subtrees, leaves hold values.
 * {@link HashTree#fromLabeledTree} turns it into a hash tree whose forks have each node's {@link
 * Shape}: balanced by default.
 */
public sealed interface LabeledTree permits LabeledTree.Leaf, LabeledTree.Node {

  static Leaf leaf(byte[] value) {
    return new Leaf(value);
  }

  static Leaf leaf(String utf8) {
    return new Leaf(utf8.getBytes(StandardCharsets.UTF_8));
  }

  static Node.Builder node() {
    return new Node.Builder();
  }

  /** How a node's children are arranged in forks. */
  enum Shape {
    /** Balanced over the sorted labels, the left half taking the extra child. */
    BALANCED,
    /** {@link BitTrie}: split on the labels' bits; every label of the node has one length. */
    BIT_TRIE
  }

  /** A value. */
  record Leaf(byte[] value) implements LabeledTree {
    public Leaf {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Leaf l && Arrays.equals(value, l.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return Hex.encode(value);
    }
  }

  /** Labeled children, sorted by label; an empty node becomes {@link HashTree.Empty}. */
  record Node(SortedMap<Label, LabeledTree> children, Shape shape) implements LabeledTree {
    public Node {
      children = Collections.unmodifiableSortedMap(new TreeMap<>(children));
      if (shape == null) {
        throw new IllegalArgumentException("a node needs a shape");
      }
    }

    public Node(SortedMap<Label, LabeledTree> children) {
      this(children, Shape.BALANCED);
    }

    /** Builds a node; a repeated label is a programming error. */
    public static final class Builder {
      private final TreeMap<Label, LabeledTree> children = new TreeMap<>();
      private Shape shape = Shape.BALANCED;

      /** Arranges this node's children as a {@link BitTrie} instead of balanced forks. */
      public Builder bitTrie() {
        shape = Shape.BIT_TRIE;
        return this;
      }

      public Builder put(Label label, LabeledTree child) {
        if (child == null) {
          throw new IllegalArgumentException("null subtree for label " + label);
        }
        if (children.putIfAbsent(label, child) != null) {
          throw new IllegalArgumentException("duplicate label " + label);
        }
        return this;
      }

      public Builder put(String label, LabeledTree child) {
        return put(Label.of(label), child);
      }

      public Builder put(byte[] label, LabeledTree child) {
        return put(Label.of(label), child);
      }

      public Node build() {
        return new Node(children, shape);
      }
    }
  }
}
