/**
 * The certification hash tree ({@link dev.canopy.types.hashtree.HashTree}), labeled data to build
 * it from, lookups, pruning, and the {@link dev.canopy.types.hashtree.Certificate} that carries a
 * tree with its signature.
 */
package dev.canopy.types.hashtree;
