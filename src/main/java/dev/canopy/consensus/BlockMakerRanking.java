package dev.canopy.consensus;

import dev.canopy.crypto.DeterministicRandom;

/**
 * The permutation of the subnet's nodes that the random beacon of a round picks: the node at
 * position r has block-maker rank r, and rank 0 is the round's leader.
 */
final class BlockMakerRanking {
  private final int[] nodeAtRank;
  private final int[] rankOfNode;

  /** @param beaconHash the id of the round's random beacon */
  BlockMakerRanking(Hash beaconHash, int nodeCount) {
    DeterministicRandom random = new DeterministicRandom(Hash.of(Domains.RANKING, beaconHash.bytes()).bytes());
    nodeAtRank = new int[nodeCount];
    for (int i = 0; i < nodeCount; i++) {
      nodeAtRank[i] = i;
    }
    for (int i = nodeCount - 1; i > 0; i--) { // Fisher-Yates
      int j = random.nextInt(i + 1);
      int t = nodeAtRank[i];
      nodeAtRank[i] = nodeAtRank[j];
      nodeAtRank[j] = t;
    }
    rankOfNode = new int[nodeCount];
    for (int r = 0; r < nodeCount; r++) {
      rankOfNode[nodeAtRank[r]] = r;
    }
  }

  int rankOf(int nodeIndex) {
    return rankOfNode[nodeIndex];
  }

  int nodeAt(int rank) {
    return nodeAtRank[rank];
  }
}
