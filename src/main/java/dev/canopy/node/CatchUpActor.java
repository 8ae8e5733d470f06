package dev.canopy.node;

import dev.canopy.consensus.CatchUpPackage;
import dev.canopy.consensus.Hash;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.node.metrics.NodeMetrics;
import dev.canopy.state.CertificationPool;
import dev.canopy.state.StateCertification;
import dev.canopy.statesync.ChunkAssembler;
import dev.canopy.statesync.StateSync;
import dev.canopy.statesync.StateSyncManifest;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.SubnetId;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A replica's catch-up: catch-up packages (CUPs) and state sync, for a subnet of several replicas.
 *
 * <p>Making CUPs: at each checkpoint height the {@link StateManager} hands over the content of the
 * package (finalized block, beacon, state hash, manifest hash) with the checkpoint's bytes. This
 * actor signs the content with its share of the subnet key, sends the share to its peers' catch-up
 * actors, and combines n − f matching shares into the package (the {@link CertificationPool} that
 * certifies state roots, under the package's domain). It keeps the bytes of the latest {@value
 * #HELD_CHECKPOINTS} checkpoints and serves their manifests and chunks to peers that ask, at most
 * {@code maxServedChunksPerSecond} requests per peer and second.
 *
 * <p>Catching up: every {@code queryIntervalMs} it asks its peers for a CUP above the height its
 * state has reached; a CUP that arrives is verified under the subnet public key (the replica's
 * established key, or, while its state lacks the key generation's record, its own key file's: see
 * {@link Replica#trustedSubnetKeys}), and its key generation record must give the same keys. A
 * replica that holds no key at all says so, and what to restore, once it has stalled. A replica more
 * than half the retained window behind the newest CUP (or stalled for {@code stallMs} below it)
 * fetches that checkpoint from its peers ({@link StateSync}: manifest checked against the CUP,
 * chunks against the manifest, bounded requests in flight, timeouts and corrupt chunks sent to
 * other peers) and hands the bytes to the state manager, which checks the state hash, journals the
 * state and tells consensus to resume from the CUP.
 *
 * <p>Note: answers to chunk requests are matched by a random request id that only the peer asked
 * knows, so a faulty peer can neither slip chunks into another peer's answer nor get an honest peer
 * blamed for its own corrupt bytes.
 */
public final class CatchUpActor {
  /** What the actor handles. */
  public sealed interface Command {}

  /** From the local state manager: its state is at {@code height} (recovered, executed, installed). */
  record StateAt(long height, ActorRef<StateManager.Command> stateManager) implements Command {}

  /** From the local state manager: the content of this replica's CUP of a checkpoint height. */
  record OwnCheckpoint(CatchUpPackage.Content content, StateSyncManifest manifest, byte[] bytes)
      implements Command {}

  /** From the local state manager: whether it installed the fetched state of {@code height}. */
  record InstallDone(long height, boolean installed, String problem) implements Command {}

  /** The node is stopping: no new state sync starts (checkpoints are still served). */
  record Quiesce() implements Command {}

  /** A peer's share of the subnet's signature of its CUP content of {@code height}. */
  public record CupShare(long height, byte[] contentHash, int signerIndex, byte[] signature)
      implements Command, CborSerializable {}

  /** A peer whose state is at {@code height} asks for a newer CUP. */
  public record CupQuery(long height, ActorRef<Command> replyTo)
      implements Command, CborSerializable {}

  /** A CUP in canonical CBOR ({@link CatchUpPackage#toBytes}); verified on arrival. */
  public record CupBytes(byte[] bytes) implements Command, CborSerializable {}

  /** A peer asks for chunk {@code chunk} (or the manifest, -1) of the checkpoint of {@code height}. */
  public record ChunkRequest(long height, int chunk, long requestId, ActorRef<Command> replyTo)
      implements Command, CborSerializable {}

  /** The answer to a {@link ChunkRequest}: the bytes, or {@code held = false}. */
  public record ChunkResponse(long requestId, boolean held, byte[] bytes)
      implements Command, CborSerializable {}

  /** The peers one source lists: the cluster's Receptionist, or the {@link SubnetPeers}. */
  private record PeersChanged(boolean fromCluster, List<ActorRef<Command>> refs)
      implements Command {}

  private record QueryTick() implements Command {}

  private record SyncTick() implements Command {}

  /** Checkpoints whose bytes a replica keeps to serve. */
  static final int HELD_CHECKPOINTS = 2;
  private static final int MAX_PEERS = 1024;
  private static final long SYNC_TICK_MS = 100;
  private static final int MAX_REJECTED_PACKAGES = 64;
  private static final byte[] REJECTED_DOMAIN =
      dev.canopy.types.Hashing.domainSeparator("canopy-rejected-catch-up-package");

  private CatchUpActor() {}

  /** The Receptionist key under which the catch-up actors of {@code subnet} find each other. */
  public static ServiceKey<Command> serviceKey(SubnetId subnet) {
    return ServiceKey.create(Command.class, "catch-up-" + subnet);
  }

  public static Behavior<Command> create(Replica replica) {
    return create(replica, Optional.empty());
  }

  /**
   * As {@link #create(Replica)}, with the peers that {@code subnetPeers} finds at the configured
   * addresses besides those the cluster's Receptionist lists.
   */
  static Behavior<Command> create(Replica replica,
      Optional<ActorRef<SubnetPeers.Command>> subnetPeers) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      context.setLoggerName(CatchUpActor.class);
      // The genesis id names the subnet from its first height, before any key exists.
      ServiceKey<Command> key = serviceKey(replica.identity().genesisId());
      if (replica.identity().replicaCount() > 1) {
        context.getSystem().receptionist().tell(Receptionist.register(key, context.getSelf()));
        context.getSystem().receptionist().tell(Receptionist.subscribe(key,
            context.messageAdapter(Receptionist.Listing.class, listing -> new PeersChanged(true,
                listing.isForKey(key) ? List.copyOf(listing.getServiceInstances(key))
                    : List.of()))));
        subnetPeers.ifPresent(directory -> directory.tell(new SubnetPeers.Subscribe(
            context.messageAdapter(SubnetPeers.Reachable.class, reachable -> new PeersChanged(false,
                reachable.members().stream()
                    .map(a -> SubnetPeers.at(context.getSystem(), a, context.getSelf()))
                    .toList())))));
        timers.startTimerWithFixedDelay(new QueryTick(),
            Duration.ofMillis(replica.settings().catchUp().queryIntervalMs()));
        timers.startTimerWithFixedDelay(new SyncTick(), Duration.ofMillis(SYNC_TICK_MS));
        long interval = replica.settings().checkpointEveryHeights();
        if (replica.settings().catchUp().retainHeights() < 2 * interval) {
          context.getLog().warn("canopy.replica.catch-up.retain-heights ({}) is less than twice"
              + " checkpoint-every-heights ({}): a replica that installs a catch-up package may not"
              + " find the heights after it", replica.settings().catchUp().retainHeights(), interval);
        }
      }
      return new Running(replica, context, key).behavior();
    }));
  }

  /** A checkpoint held to serve: its manifest (and that in bytes) and its bytes. */
  private record Held(StateSyncManifest manifest, byte[] manifestBytes, byte[] bytes) {}

  /** A peer's request budget: {@code maxServedChunksPerSecond}, refilled continuously. */
  private static final class Budget {
    double tokens;
    long refilledAtMs;
  }

  private static final class Running {
    private final Replica replica;
    private final ActorContext<Command> context;
    private final ServiceKey<Command> key;
    private final CatchUpSettings settings;
    // Null until the subnet's keys exist (a subnet of several generates them after genesis).
    private CatchUpKeys keys;
    private CertificationPool sharePool;
    private final NodeMetrics metrics;
    private final CatchUpStatus status;
    private final SecureRandom requestIds = new SecureRandom();
    private final TreeMap<Long, CatchUpPackage.Content> ownContents = new TreeMap<>();
    private final TreeMap<Long, Held> held = new TreeMap<>();
    private final Set<Long> reportedDivergence = new java.util.TreeSet<>();
    private final LinkedHashMap<ActorRef<Command>, Budget> budgets =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<ActorRef<Command>, Budget> eldest) {
            return size() > MAX_PEERS;
          }
        };
    private Set<ActorRef<Command>> peers = Set.of();
    private final SubnetPeers.Merged<Command> listed;
    private ActorRef<StateManager.Command> stateManager;
    private long stateHeight = -1;
    // The higher of the executed and the delivered height, and when it last rose.
    private long progressHeight = -1;
    private long progressAtMs;
    private CatchUpPackage latest;
    private byte[] latestBytes;
    // The sync under way: its planner, its CUP and the requests it sent, by request id.
    private StateSync<ActorRef<Command>> sync;
    private CatchUpPackage syncPackage;
    private long syncStartedAtMs;
    private final LinkedHashMap<Long, StateSync.Request<ActorRef<Command>>> outstanding =
        new LinkedHashMap<>();
    // Fetched and waiting for the state manager to install it.
    private Held installing;
    private long installingHeight = -1;
    private long notBeforeMs;
    private boolean quiesced;
    // Packages verified per query round at most: one per peer asked, so unsolicited or repeated
    // packages cost no signature checks beyond what this replica asked for.
    private int answersExpected;
    private final Set<Hash> rejectedPackages = new LinkedHashSet<>();
    // When the progress last noted began (progressAtMs) as of the last "cannot verify" report.
    private long reportedUnverifiableAtMs = -1;

    Running(Replica replica, ActorContext<Command> context, ServiceKey<Command> key) {
      this.replica = replica;
      this.context = context;
      this.key = key;
      this.listed = new SubnetPeers.Merged<>(context.getSelf(), MAX_PEERS);
      this.settings = replica.settings().catchUp();
      this.metrics = NodeMetrics.get(Adapter.toClassic(context.getSystem()));
      this.status = replica.catchUpStatus();
      this.progressAtMs = nowMs();
    }

    /**
     * Whether this replica has the subnet's keys to verify packages with: established, or from its
     * own key file while its state lacks the key generation record (see {@link
     * Replica#trustedSubnetKeys}); takes them from the replica the first time it does.
     */
    private boolean hasKeys() {
      if (keys == null && replica.trustedSubnetKeys().isPresent()) {
        keys = CatchUpKeys.of(replica.trustedSubnetKeys().get());
        // Peers' shares for CUPs a few checkpoints ahead of this replica's own are kept.
        sharePool = keys.sharePool(Math.max(1, 4 * replica.settings().checkpointEveryHeights()));
      }
      return keys != null;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(PeersChanged.class, this::onPeersChanged)
          .onMessage(StateAt.class, this::onStateAt)
          .onMessage(OwnCheckpoint.class, this::onOwnCheckpoint)
          .onMessage(CupShare.class, this::onCupShare)
          .onMessage(CupQuery.class, this::onCupQuery)
          .onMessage(CupBytes.class, this::onCupBytes)
          .onMessage(ChunkRequest.class, this::onChunkRequest)
          .onMessage(ChunkResponse.class, this::onChunkResponse)
          .onMessage(InstallDone.class, this::onInstallDone)
          .onMessage(Quiesce.class, q -> {
            quiesced = true;
            if (sync != null) {
              context.getLog().info("the node is stopping; the state sync of height {} ends",
                  sync.height());
              sync = null;
              outstanding.clear();
            }
            return Behaviors.same();
          })
          .onMessage(QueryTick.class, t -> {
            answersExpected = 0;
            if (stateManager != null && installing == null) {
              for (ActorRef<Command> peer : peers) {
                peer.tell(new CupQuery(progressed(), context.getSelf()));
              }
              answersExpected = peers.size();
            }
            maybeStartSync();
            return Behaviors.same();
          })
          .onMessage(SyncTick.class, t -> {
            drive();
            return Behaviors.same();
          })
          .build();
    }

    private static long nowMs() {
      return System.currentTimeMillis();
    }

    private Behavior<Command> onPeersChanged(PeersChanged changed) {
      if (!listed.update(changed.fromCluster(), changed.refs())) {
        return Behaviors.same();
      }
      peers = new LinkedHashSet<>(listed.ordered());
      if (sync != null) {
        sync.setPeers(peers);
      }
      return Behaviors.same();
    }

    private Behavior<Command> onStateAt(StateAt at) {
      if (stateManager == null) {
        status.recovered(at.height());
      }
      stateManager = at.stateManager();
      stateHeight = Math.max(stateHeight, at.height());
      progressed();
      return Behaviors.same();
    }

    /**
     * Where this replica stands: the height its state reached or consensus delivered, whichever
     * is higher (a state manager busy with a long round is not behind, as long as consensus
     * delivers). Notes when it last rose.
     */
    private long progressed() {
      long height = Math.max(stateHeight, replica.deliveredHeight());
      if (height > progressHeight) {
        progressHeight = height;
        progressAtMs = nowMs();
      }
      return progressHeight;
    }

    // ---- making CUPs

    private Behavior<Command> onOwnCheckpoint(OwnCheckpoint own) {
      CatchUpPackage.Content content = own.content();
      long height = content.height();
      hold(height, new Held(own.manifest(), own.manifest().toBytes(), own.bytes()));
      ownContents.put(height, content);
      while (ownContents.size() > HELD_CHECKPOINTS * 2) {
        ownContents.pollFirstEntry();
      }
      if (!hasKeys()) {
        return Behaviors.same(); // still generating the subnet's keys: nothing to sign with
      }
      byte[] contentHash = content.hash().bytes();
      Optional<ThresholdBls.SignatureShare> ownShare = keys.signShare(content);
      if (ownShare.isEmpty()) {
        // The key generation gave this replica no share: it cannot contribute, and the pool
        // combines only around an own share, so it gets the subnet's package by asking its peers.
        return Behaviors.same();
      }
      ThresholdBls.SignatureShare share = ownShare.get();
      sharePool.addOwn(height, contentHash, share);
      CupShare message = new CupShare(height, contentHash, share.index(), share.signature());
      for (ActorRef<Command> peer : peers) {
        peer.tell(message);
      }
      tryCombine(height);
      return Behaviors.same();
    }

    private Behavior<Command> onCupShare(CupShare share) {
      if (share.contentHash() == null || share.signature() == null
          || share.contentHash().length != 32 || share.signature().length > 64 || !hasKeys()) {
        return Behaviors.same();
      }
      ThresholdBls.SignatureShare signature;
      try {
        signature = new ThresholdBls.SignatureShare(share.signerIndex(), share.signature());
      } catch (IllegalArgumentException e) {
        return Behaviors.same();
      }
      if (sharePool.addPeerShare(share.height(), share.contentHash(), signature)
          == CertificationPool.Admission.ADDED) {
        tryCombine(share.height());
      }
      return Behaviors.same();
    }

    /** Once n − f shares sign this replica's own content of {@code height}: the subnet's CUP. */
    private void tryCombine(long height) {
      CatchUpPackage.Content content = ownContents.get(height);
      if (content == null) {
        return;
      }
      Optional<StateCertification> signed = sharePool.certification(height);
      if (signed.isPresent()) {
        status.ownPackage(height); // n − f shares signed this replica's own content, its own share among them
        adopt(new CatchUpPackage(content, signed.get().signature()));
        sharePool.purgeBelow(height);
        return;
      }
      Optional<byte[]> other = sharePool.divergence(height);
      if (other.isPresent() && reportedDivergence.add(height)) {
        context.getLog().error("the checkpoint of height {} diverges from the subnet's: n - f"
            + " replicas signed another catch-up package", height);
      }
    }

    /** A valid CUP: the newest one is what this replica offers and catches up to. */
    private void adopt(CatchUpPackage cup) {
      if (latest != null && cup.height() <= latest.height()) {
        return;
      }
      latest = cup;
      latestBytes = cup.toBytes();
      status.packageKnown(cup.height());
      metrics.catchUpPackage(cup.height());
      context.getLog().debug("catch-up package of height {}", cup.height());
    }

    // ---- answering peers

    /** Whether {@code peer} may make one more request now (its budget refills every second). */
    private boolean withinBudget(ActorRef<Command> peer) {
      long now = nowMs();
      Budget b = budgets.computeIfAbsent(peer, p -> {
        Budget fresh = new Budget();
        fresh.tokens = settings.maxServedChunksPerSecond();
        fresh.refilledAtMs = now;
        return fresh;
      });
      double rate = settings.maxServedChunksPerSecond();
      b.tokens = Math.min(rate, b.tokens + (now - b.refilledAtMs) * rate / 1000.0);
      b.refilledAtMs = now;
      if (b.tokens < 1) {
        return false;
      }
      b.tokens--;
      return true;
    }

    private Behavior<Command> onCupQuery(CupQuery query) {
      if (query.replyTo() != null && latest != null && latest.height() > query.height()
          && withinBudget(query.replyTo())) {
        query.replyTo().tell(new CupBytes(latestBytes));
      }
      return Behaviors.same();
    }

    private Behavior<Command> onChunkRequest(ChunkRequest request) {
      if (request.replyTo() == null || !withinBudget(request.replyTo())) {
        return Behaviors.same(); // over its budget: it times out and asks another peer
      }
      Held h = held.get(request.height());
      byte[] bytes = null;
      if (h != null && request.chunk() == StateSync.MANIFEST) {
        bytes = h.manifestBytes();
      } else if (h != null && request.chunk() >= 0 && request.chunk() < h.manifest().chunkCount()) {
        bytes = h.manifest().chunk(h.bytes(), request.chunk());
      }
      request.replyTo().tell(new ChunkResponse(request.requestId(), bytes != null,
          bytes == null ? new byte[0] : bytes));
      if (bytes != null) {
        metrics.stateSyncChunkServed();
      }
      return Behaviors.same();
    }

    private void hold(long height, Held checkpoint) {
      held.put(height, checkpoint);
      while (held.size() > HELD_CHECKPOINTS) {
        held.pollFirstEntry();
      }
    }

    // ---- catching up

    private Behavior<Command> onCupBytes(CupBytes message) {
      if (message.bytes() == null || message.bytes().length > CatchUpPackage.MAX_BYTES) {
        return Behaviors.same();
      }
      CatchUpPackage cup;
      try {
        cup = CatchUpPackage.decode(message.bytes());
      } catch (InvalidInputException e) {
        context.getLog().debug("dropping a malformed catch-up package: {}", e.getMessage());
        return Behaviors.same();
      }
      if ((latest != null && cup.height() <= latest.height()) || answersExpected <= 0) {
        return Behaviors.same();
      }
      if (!hasKeys()) {
        reportUnverifiable(cup.height());
        return Behaviors.same();
      }
      answersExpected--;
      Hash id = Hash.of(REJECTED_DOMAIN, message.bytes());
      if (rejectedPackages.contains(id)) {
        return Behaviors.same();
      }
      if (!keys.verify(cup)) {
        reject(id);
        context.getLog().warn("dropping a catch-up package of height {} whose signature is not"
            + " the subnet's", cup.height());
        return Behaviors.same();
      }
      try {
        replica.catchUpRecord(cup);
      } catch (InvalidInputException e) {
        // Signed by the subnet, yet not the keys this replica holds: its key file is not this
        // subnet's, or n − f signers are not honest. Either way nothing of it is installed.
        reject(id);
        context.getLog().error("refusing the catch-up package of height {}: {}", cup.height(), e.getMessage());
        return Behaviors.same();
      }
      adopt(cup);
      maybeStartSync();
      return Behaviors.same();
    }

    private void reject(Hash id) {
      rejectedPackages.add(id);
      if (rejectedPackages.size() > MAX_REJECTED_PACKAGES) {
        rejectedPackages.remove(rejectedPackages.iterator().next());
      }
    }

    /**
     * A peer offers a package above this replica, which holds no keys to verify it with: neither a
     * closed key generation record in its state nor its key file. While it progresses (its peers
     * still serve the heights it needs, or the subnet is still generating its keys) that is no
     * matter; once it has stalled it is stuck, and says what would help, once per stall.
     */
    private void reportUnverifiable(long height) {
      long now = nowMs();
      long at = progressed();
      if (height <= at || now - progressAtMs < settings.stallMs() || reportedUnverifiableAtMs == progressAtMs) {
        return;
      }
      reportedUnverifiableAtMs = progressAtMs;
      context.getLog().error("peers offer a catch-up package of height {}, but this replica (at height {}, no"
          + " progress for {} ms) cannot verify it: its state holds no closed key generation record and it has no usable"
          + " key share file {}/{}. It cannot catch up until one of them is back: restore this replica's {}/{}"
          + " (written when it established its keys) or its database from a backup, and restart it", height, at,
          now - progressAtMs, DataDirectory.KEYS_DIR, SubnetKeyStore.FILE, DataDirectory.KEYS_DIR, SubnetKeyStore.FILE);
    }

    /**
     * Starts fetching the newest CUP's state if this replica is more than half the retained window
     * below it, or has made no progress for {@code stallMs} while below it.
     *
     * <p>Note: peers keep {@code retainHeights} below their own height, and the newest CUP is at
     * most a checkpoint interval below that; with {@code retainHeights} at least twice the
     * interval, a replica the peers can no longer serve is more than half the window below the
     * CUP, while one closer catches up faster from the peers' blocks than from a whole checkpoint.
     * The stall rule covers the margin.
     */
    private void maybeStartSync() {
      long now = nowMs();
      long height = progressed();
      if (quiesced || sync != null || installing != null || stateManager == null || latest == null
          || peers.isEmpty() || now < notBeforeMs || latest.height() <= height) {
        return;
      }
      long behind = latest.height() - height;
      boolean farBehind = behind > settings.retainHeights() / 2;
      boolean stalled = now - progressAtMs >= settings.stallMs();
      if (!farBehind && !stalled) {
        return;
      }
      syncPackage = latest;
      syncStartedAtMs = now;
      sync = new StateSync<>(latest.height(), latest.content().manifestHash(),
          settings.syncLimits(), peers, now);
      context.getLog().info("this replica is at height {}, {} below the catch-up package of height"
          + " {}{}; fetching that checkpoint's state from {} peer(s)", height, behind,
          latest.height(), farBehind ? "" : " and has not advanced for " + (now - progressAtMs)
          + " ms", peers.size());
      drive();
    }

    /** Sends what the sync wants sent now, and finishes it when it is done. */
    private void drive() {
      if (sync == null) {
        return;
      }
      for (StateSync.Request<ActorRef<Command>> r : sync.poll(nowMs())) {
        long id = requestIds.nextLong();
        outstanding.put(id, r);
        r.peer().tell(new ChunkRequest(sync.height(), r.chunk(), id, context.getSelf()));
      }
      // Ids of requests that timed out are forgotten once far more have been sent since.
      while (outstanding.size() > 4 * settings.maxChunksInFlight() + 16) {
        outstanding.remove(outstanding.keySet().iterator().next());
      }
      if (sync.phase() == StateSync.Phase.COMPLETE) {
        finishSync();
      } else if (sync.phase() == StateSync.Phase.FAILED) {
        context.getLog().warn("state sync of height {} failed: {}", sync.height(), sync.failure());
        metrics.stateSync("failed");
        status.syncFailed();
        endSync();
      }
    }

    private Behavior<Command> onChunkResponse(ChunkResponse response) {
      StateSync.Request<ActorRef<Command>> request = outstanding.remove(response.requestId());
      if (request == null || sync == null) {
        return Behaviors.same();
      }
      if (!response.held() || response.bytes() == null) {
        sync.onUnavailable(request.peer(), request.chunk());
      } else if (request.isManifest()) {
        StateSync.Phase before = sync.phase();
        sync.onManifest(request.peer(), response.bytes());
        boolean accepted = before != sync.phase();
        metrics.stateSyncChunk(accepted ? "accepted" : "rejected");
        if (!accepted) {
          status.chunkRejected();
        }
      } else {
        ChunkAssembler.Result result =
            sync.onChunk(request.peer(), request.chunk(), response.bytes());
        if (result == ChunkAssembler.Result.ACCEPTED) {
          metrics.stateSyncChunk("accepted");
        } else if (result != ChunkAssembler.Result.DUPLICATE) {
          metrics.stateSyncChunk("rejected");
          status.chunkRejected();
          context.getLog().warn("peer {} served a corrupt chunk {} of height {}; asking another",
              request.peer().path().address(), request.chunk(), sync.height());
        }
      }
      drive();
      return Behaviors.same();
    }

    /** Every chunk matches the signed manifest: the state manager checks and installs it. */
    private void finishSync() {
      StateSyncManifest manifest = sync.manifest().orElseThrow();
      byte[] bytes = sync.result();
      context.getLog().info("fetched the checkpoint of height {} ({} bytes in {} chunks, {}"
          + " requests, {} rejected, {} timed out) in {} ms", sync.height(), bytes.length,
          manifest.chunkCount(), sync.requestsSent(), sync.chunksCorrupt(), sync.timeouts(),
          nowMs() - syncStartedAtMs);
      installing = new Held(manifest, manifest.toBytes(), bytes);
      installingHeight = sync.height();
      stateManager.tell(new StateManager.InstallCheckpoint(syncPackage, bytes, context.getSelf()));
      endSync();
    }

    private void endSync() {
      if (sync != null && sync.phase() == StateSync.Phase.FAILED) {
        notBeforeMs = nowMs() + settings.stallMs();
      }
      sync = null;
      outstanding.clear();
    }

    private Behavior<Command> onInstallDone(InstallDone done) {
      if (installing == null || done.height() != installingHeight) {
        return Behaviors.same();
      }
      if (done.installed()) {
        // Verified against the CUP and installed: this replica serves it as well.
        hold(done.height(), installing);
        stateHeight = Math.max(stateHeight, done.height());
        progressed();
        status.installed(done.height());
        metrics.stateSync("installed");
        context.getLog().info("caught up: the state of height {} is installed from a catch-up"
            + " package; consensus resumes above it", done.height());
      } else {
        status.syncFailed();
        metrics.stateSync("failed");
        notBeforeMs = nowMs() + settings.stallMs();
        context.getLog().warn("the fetched state of height {} was not installed: {}",
            done.height(), done.problem());
      }
      installing = null;
      installingHeight = -1;
      return Behaviors.same();
    }
  }
}
