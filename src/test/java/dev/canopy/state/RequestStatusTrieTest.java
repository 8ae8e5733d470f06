package dev.canopy.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LabeledTree;
import dev.canopy.types.hashtree.LookupResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RequestStatusTrieTest {
  private static final Principal SENDER = Principal.selfAuthenticating(new byte[] {9});
  private static final EffectiveId ECID = EffectiveId.canister(CanisterId.fromIndex(1));

  /**
   * Ids that share long prefixes as well as random ones, so that forks split on early, late and
   * neighbouring bits (and on the last bit).
   */
  private static RequestId randomId(SplittableRandom random) {
    byte[] b = new byte[RequestId.LENGTH_BYTES];
    random.nextBytes(b);
    int kind = random.nextInt(3);
    if (kind == 1) {
      java.util.Arrays.fill(b, 0, 31, (byte) random.nextInt(2));
      b[31] = (byte) random.nextInt(4);
    } else if (kind == 2) {
      b[0] = (byte) 0xab;
      b[1] = (byte) random.nextInt(3);
    }
    return RequestId.fromBytes(b);
  }

  private static IngressEntry randomEntry(SplittableRandom random) {
    RequestStatus status =
        switch (random.nextInt(5)) {
          case 0 -> RequestStatus.RECEIVED;
          case 1 -> RequestStatus.PROCESSING;
          case 2 -> RequestStatus.DONE;
          case 3 -> {
            byte[] reply = new byte[random.nextInt(8)];
            random.nextBytes(reply);
            yield new RequestStatus.Replied(reply);
          }
          default -> new RequestStatus.Rejected(4, "no " + random.nextInt(9), Optional.of("IC0503"));
        };
    return new IngressEntry(status, SENDER, ECID, 1_000, random.nextInt(100));
  }

  private static byte[] digest(RequestStatusTrie trie) {
    return trie.digest(Hashing.sha256Digest(), new long[1]);
  }

  /** The reference: the same data as labeled data whose node has the bit-trie shape. */
  private static HashTree reference(Map<RequestId, IngressEntry> entries) {
    LabeledTree.Node.Builder node = LabeledTree.node().bitTrie();
    entries.forEach(
        (id, e) -> {
          LabeledTree.Node.Builder s = LabeledTree.node().put("status", LabeledTree.leaf(e.status().label()));
          if (e.status() instanceof RequestStatus.Replied r) {
            s.put("reply", LabeledTree.leaf(r.reply()));
          } else if (e.status() instanceof RequestStatus.Rejected r) {
            s.put("reject_code", LabeledTree.leaf(new byte[] {(byte) r.rejectCode()}));
            s.put("reject_message", LabeledTree.leaf(r.message()));
            r.errorCode().ifPresent(c -> s.put("error_code", LabeledTree.leaf(c)));
          }
          node.put(id.toBytes(), s.build());
        });
    return HashTree.fromLabeledTree(node.build());
  }

  @Test
  void incrementalRootsEqualFromScratchBuildsInAnotherOrder() {
    for (long seed = 1; seed <= 40; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      TreeMap<RequestId, IngressEntry> model = new TreeMap<>();
      RequestStatusTrie trie = RequestStatusTrie.empty();
      List<RequestStatusTrie> versions = new ArrayList<>();
      List<byte[]> versionDigests = new ArrayList<>();
      int steps = 50 + random.nextInt(250);
      for (int step = 0; step < steps; step++) {
        int op = random.nextInt(10);
        if (op < 5 || model.isEmpty()) {
          RequestId id = randomId(random);
          IngressEntry e = randomEntry(random);
          model.put(id, e);
          trie = trie.with(id, e);
        } else {
          List<RequestId> ids = new ArrayList<>(model.keySet());
          RequestId id = ids.get(random.nextInt(ids.size()));
          if (op < 8) {
            model.remove(id);
            trie = trie.without(id);
          } else {
            IngressEntry e = randomEntry(random);
            model.put(id, e);
            trie = trie.with(id, e);
          }
        }
        assertThat(trie.size()).as("seed %d step %d", seed, step).isEqualTo(model.size());
        if (random.nextInt(7) == 0) {
          // Certify some intermediate versions, so later ones start from cached digests.
          versions.add(trie);
          versionDigests.add(digest(trie));
        }
      }
      List<Map.Entry<RequestId, IngressEntry>> shuffled = new ArrayList<>(model.entrySet());
      Collections.shuffle(shuffled, new Random(seed));
      RequestStatusTrie scratch = RequestStatusTrie.empty();
      for (Map.Entry<RequestId, IngressEntry> e : shuffled) {
        scratch = scratch.with(e.getKey(), e.getValue());
      }
      byte[] expected = reference(model).digest();
      assertThat(digest(trie)).as("seed %d: incremental vs reference", seed).isEqualTo(expected);
      assertThat(digest(scratch)).as("seed %d: shuffled from scratch", seed).isEqualTo(expected);
      for (Map.Entry<RequestId, IngressEntry> e : model.entrySet()) {
        assertThat(trie.get(e.getKey())).as("seed %d", seed).isSameAs(e.getValue());
      }
      RequestId unknown = randomId(random);
      while (model.containsKey(unknown)) {
        unknown = randomId(random);
      }
      assertThat(trie.get(unknown)).as("seed %d", seed).isNull();
      // Earlier versions are untouched by later changes: rebuilt without caches, same digest.
      for (int v = 0; v < versions.size(); v++) {
        RequestStatusTrie fresh = RequestStatusTrie.empty();
        for (Map.Entry<RequestId, IngressEntry> e : entriesOf(versions.get(v)).entrySet()) {
          fresh = fresh.with(e.getKey(), e.getValue());
        }
        assertThat(digest(fresh)).as("seed %d version %d", seed, v).isEqualTo(versionDigests.get(v));
      }
    }
  }

  /**
   * The history's only map of its calls is the trie's sorted view: it must be the model's sorted
   * map exactly (ids that share long prefixes included), and a view taken earlier must not see
   * later changes.
   */
  @Test
  void theSortedViewIsTheEntriesInIdOrder() {
    for (long seed = 1; seed <= 30; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      TreeMap<RequestId, IngressEntry> model = new TreeMap<>();
      RequestStatusTrie trie = RequestStatusTrie.empty();
      assertThat(trie.asSortedMap()).isEmpty();
      TreeMap<RequestId, IngressEntry> earlierModel = null;
      java.util.SortedMap<RequestId, IngressEntry> earlierView = null;
      int steps = 20 + random.nextInt(200);
      for (int step = 0; step < steps; step++) {
        if (random.nextInt(4) > 0 || model.isEmpty()) {
          RequestId id = randomId(random);
          IngressEntry e = randomEntry(random);
          model.put(id, e);
          trie = trie.with(id, e);
        } else {
          RequestId id = new ArrayList<>(model.keySet()).get(random.nextInt(model.size()));
          model.remove(id);
          trie = trie.without(id);
        }
        if (step == steps / 2) {
          earlierModel = new TreeMap<>(model);
          earlierView = trie.asSortedMap();
        }
      }
      java.util.SortedMap<RequestId, IngressEntry> view = trie.asSortedMap();
      assertThat(new ArrayList<>(view.entrySet())).as("seed %d", seed)
          .containsExactlyElementsOf(model.entrySet());
      assertThat(view).as("seed %d", seed).isEqualTo(model).hasSameSizeAs(model);
      if (!model.isEmpty()) {
        assertThat(view.firstKey()).as("seed %d", seed).isEqualTo(model.firstKey());
        assertThat(view.lastKey()).as("seed %d", seed).isEqualTo(model.lastKey());
        RequestId some = model.keySet().iterator().next();
        assertThat(view.containsKey(some)).isTrue();
        assertThat(view.get(some)).isSameAs(model.get(some));
        assertThat(view.tailMap(some)).as("seed %d", seed).isEqualTo(model.tailMap(some));
      }
      RequestId unknown = randomId(random);
      while (model.containsKey(unknown)) {
        unknown = randomId(random);
      }
      assertThat(view.get(unknown)).as("seed %d", seed).isNull();
      assertThat(view.containsKey(unknown)).isFalse();
      assertThat(view.get("not an id")).isNull();
      assertThat(earlierView).as("seed %d: a view is a snapshot", seed).isEqualTo(earlierModel);
    }
  }

  private static TreeMap<RequestId, IngressEntry> entriesOf(RequestStatusTrie trie) {
    TreeMap<RequestId, IngressEntry> out = new TreeMap<>();
    collect(trie.root(), out);
    return out;
  }

  private static void collect(RequestStatusTrie.Node n, TreeMap<RequestId, IngressEntry> out) {
    if (n instanceof RequestStatusTrie.Inner i) {
      collect(i.left, out);
      collect(i.right, out);
    } else if (n instanceof RequestStatusTrie.Leaf l) {
      out.put(l.id, l.entry);
    }
  }

  @Test
  void aChangeHashesOnlyItsOwnStatus() {
    SplittableRandom random = new SplittableRandom(11);
    RequestStatusTrie trie = RequestStatusTrie.empty();
    List<RequestId> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      RequestId id = randomId(random);
      ids.add(id);
      trie = trie.with(id, randomEntry(random));
    }
    long[] hashed = new long[1];
    trie.digest(Hashing.sha256Digest(), hashed);
    assertThat(hashed[0]).isEqualTo(trie.size());
    RequestStatusTrie next = trie.with(ids.get(17), randomEntry(random)).with(randomId(random), randomEntry(random));
    hashed[0] = 0;
    next.digest(Hashing.sha256Digest(), hashed);
    assertThat(hashed[0]).isEqualTo(2);
    hashed[0] = 0;
    next.without(ids.get(3)).digest(Hashing.sha256Digest(), hashed);
    assertThat(hashed[0]).isZero();
  }

  @Test
  void theDepthIsAboutLogNNot256() {
    SplittableRandom random = new SplittableRandom(5);
    RequestStatusTrie trie = RequestStatusTrie.empty();
    for (int i = 0; i < 4096; i++) {
      byte[] b = new byte[RequestId.LENGTH_BYTES];
      random.nextBytes(b);
      trie = trie.with(RequestId.fromBytes(b), randomEntry(random));
    }
    assertThat(depth(trie.root())).isBetween(12, 40);
  }

  private static int depth(RequestStatusTrie.Node n) {
    return n instanceof RequestStatusTrie.Inner i ? 1 + Math.max(depth(i.left), depth(i.right)) : 0;
  }

  /**
   * Witnesses of /request_status reveal the trie's forks down to the requested ids (and the two
   * neighbours of an absent one), agree with pruning the full tree, and answer lookups as the full
   * tree does.
   */
  @Test
  void witnessesOfManyStatusesAreMinimalAndProveAbsence() {
    long seed = 0x7e1e_2026L;
    SplittableRandom random = new SplittableRandom(seed);
    TestState state = new TestState();
    List<RequestId> known = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      RequestId id = randomId(random);
      if (state.history.get(id).isPresent()) {
        continue;
      }
      state.history.receive(id, SENDER, ECID, state.timeNanos + 1, state.timeNanos);
      if (random.nextBoolean()) {
        state.history.setStatus(id, new RequestStatus.Replied(new byte[] {(byte) i}), state.timeNanos);
      }
      known.add(id);
    }
    CertifiedStateTree tree = new CertifiedStateTreeBuilder().build(state);
    HashTree full = tree.toHashTree();
    assertThat(full.digest()).isEqualTo(tree.rootHash());
    List<Label> requestStatus = List.of(CertifiedStateTree.REQUEST_STATUS);
    byte[] below = new byte[RequestId.LENGTH_BYTES];
    byte[] above = new byte[RequestId.LENGTH_BYTES];
    java.util.Arrays.fill(above, (byte) 0xff);
    for (int round = 0; round < 200; round++) {
      List<List<Label>> paths = new ArrayList<>();
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        int kind = random.nextInt(6);
        Label label =
            switch (kind) {
              case 0, 1 -> Label.of(known.get(random.nextInt(known.size())).toBytes());
              case 2 -> Label.of(randomId(random).toBytes());
              case 3 -> Label.of(random.nextBoolean() ? below : above);
              case 4 -> Label.of(new byte[] {(byte) random.nextInt(256)}); // not a request id length
              default -> Label.of("status".getBytes(StandardCharsets.UTF_8));
            };
        List<Label> path = new ArrayList<>(requestStatus);
        path.add(label);
        if (random.nextBoolean()) {
          path.add(Label.of("status"));
        }
        paths.add(path);
      }
      HashTree witness = tree.witness(paths);
      assertThat(witness).as("seed %d, paths %s", seed, paths).isEqualTo(full.prune(paths));
      assertThat(witness.digest()).as("seed %d", seed).isEqualTo(tree.rootHash());
      HashTree decoded = HashTree.decode(witness.encode()); // well formed: labels increase
      for (List<Label> path : paths) {
        LookupResult expected = full.lookup(path);
        assertThat(decoded.lookup(path)).as("seed %d, path %s", seed, path).isEqualTo(expected);
        byte[] label = path.get(1).toBytes();
        boolean present =
            label.length == RequestId.LENGTH_BYTES
                && state.history.get(RequestId.fromBytes(label)).isPresent();
        if (!present) {
          List<Label> status = List.of(path.get(0), path.get(1), Label.of("status"));
          assertThat(decoded.lookup(status)).as("seed %d, path %s", seed, path).isEqualTo(LookupResult.ABSENT);
        }
      }
    }
    // The whole subtree, requested as such, is the full one.
    assertThat(tree.witness(List.of(requestStatus)).lookupSubtree(requestStatus))
        .isEqualTo(full.lookupSubtree(requestStatus));
  }
}
