package dev.canopy.state;

import dev.canopy.crypto.TargetRestriction;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.state.ReadStateAccessException.Reason;
import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.hashtree.Label;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The access rules of {@code /api/v2|v3/{canister,subnet}/<id>/read_state} (spec "Request: Read
 * state"): which paths a sender may request at an endpoint, and what the certificate then reveals.
 *
 * <p>Note: the spec leaves a forbidden request's response undefined. The HTTP statuses follow the
 * reference replica (dfinity/ic {@code http_endpoints/public/src/read_state}): a path of no
 * permitted form is 404, a malformed id or mixed ids 400, a canister path for another canister than
 * the effective one 400, and a request status of another sender or a private section for a
 * non-controller 403. Unlike the reference replica, which checks the request's delegation targets,
 * a request status is also refused when it was sent to another effective canister or subnet id, as
 * the spec requires.
 *
 * <p>Note (spec "Authentication", abstract behaviour of read_state): a request signed through
 * delegations with {@code targets} reads {@code /canister/<cid>/...} only for a {@code cid} among
 * them, and the status of a known request only when that request went to one of them (403
 * otherwise). The request status history records a request's effective id, not its {@code
 * canister_id}, so the effective canister id stands for the target; for calls to {@code aaaaa-aa}
 * that is the canister the call names, and a request sent to a subnet endpoint is not restricted.
 */
public final class ReadStateAccess {
  /** The spec's bounds on a read_state request's {@code paths}. */
  public static final int MAX_PATH_COUNT = 1000;

  public static final int MAX_LABELS_PER_PATH = 127;

  public enum ApiVersion {
    V2,
    V3
  }

  /**
   * One read_state request: where it was sent, by whom, for which paths.
   *
   * @param targets the canisters the request's delegation chain permits ({@link
   *     TargetRestriction#ALL} without delegations)
   */
  public record Request(
      ApiVersion version,
      EffectiveId endpoint,
      Principal sender,
      List<List<Label>> paths,
      TargetRestriction targets) {
    public Request {
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(sender, "sender");
      paths = List.copyOf(paths);
      Objects.requireNonNull(targets, "targets");
    }

    /** A request signed without delegation targets. */
    public Request(
        ApiVersion version, EffectiveId endpoint, Principal sender, List<List<Label>> paths) {
      this(version, endpoint, sender, paths, TargetRestriction.ALL);
    }
  }

  private static final Label API_BOUNDARY_NODES = Label.of("api_boundary_nodes");
  private static final Label NODE = Label.of("node");
  private static final Label METRICS = Label.of("metrics");
  private static final Label METADATA = Label.of("metadata");
  private static final Label CERTIFIED_DATA = Label.of("certified_data");
  private static final Set<Label> BOUNDARY_NODE_FIELDS =
      Set.of(Label.of("domain"), Label.of("ipv4_address"), Label.of("ipv6_address"));
  private static final Set<Label> SUBNET_FIELDS = Set.of(Label.of("public_key"), Label.of("type"), NODE);
  private static final Set<Label> REQUEST_STATUS_FIELDS =
      Set.of(
          Label.of("status"),
          Label.of("reply"),
          Label.of("reject_code"),
          Label.of("reject_message"),
          Label.of("error_code"));
  private static final Set<Label> CANISTER_FIELDS =
      Set.of(
          Label.of("module_hash"),
          Label.of("controllers"),
          Label.of("canister_creation_timestamp"),
          Label.of("last_install_timestamp"));

  private final SubnetId rootSubnetId;

  /** The rules for a network whose root subnet is {@code rootSubnetId}. */
  public ReadStateAccess(SubnetId rootSubnetId) {
    this.rootSubnetId = Objects.requireNonNull(rootSubnetId, "rootSubnetId");
  }

  /**
   * Checks every requested path against the state of {@code tree}'s height and returns what the
   * certificate reveals; throws {@link ReadStateAccessException} for the first path that may not be
   * requested.
   */
  public ReadStatePlan check(CertifiedStateTree tree, Request request) {
    if (request.paths().size() > MAX_PATH_COUNT) {
      throw new ReadStateAccessException(
          Reason.MALFORMED,
          "a read_state request has at most " + MAX_PATH_COUNT + " paths, got "
              + request.paths().size());
    }
    Checker checker = new Checker(tree, request);
    for (List<Label> path : request.paths()) {
      if (path.size() > MAX_LABELS_PER_PATH) {
        throw new ReadStateAccessException(
            Reason.MALFORMED,
            "a path has at most " + MAX_LABELS_PER_PATH + " labels, got " + path.size());
      }
      checker.check(path);
    }
    List<List<Label>> paths = new ArrayList<>(request.paths());
    paths.add(List.of(CertifiedStateTree.TIME));
    return new ReadStatePlan(paths, exclusions(tree, request));
  }

  /** The paths that stay pruned even under a requested prefix (spec "Request: Read state"). */
  private List<List<Label>> exclusions(CertifiedStateTree tree, Request request) {
    List<List<Label>> excluded = new ArrayList<>();
    tree.subnets()
        .forEach(
            (sid, info) -> {
              Label sidLabel = Label.of(sid.toBytes());
              if (request.version() == ApiVersion.V3 && !sid.equals(rootSubnetId)) {
                excluded.add(
                    List.of(CertifiedStateTree.SUBNET, sidLabel, CertifiedStateTree.CANISTER_RANGES));
              }
              EffectiveId ep = request.endpoint();
              boolean own =
                  ep.isCanister()
                      ? CanisterIdRange.anyContains(info.canisterRanges(), ep.id())
                      : ep.id().equals(sid.principal());
              if (!own) {
                excluded.add(List.of(CertifiedStateTree.SUBNET, sidLabel, METRICS));
                excluded.add(List.of(CertifiedStateTree.SUBNET, sidLabel, NODE));
              }
            });
    return excluded;
  }

  /** The checks of one request; remembers the request id and subnet id seen so far. */
  private final class Checker {
    private final CertifiedStateTree tree;
    private final Request request;
    private Label requestId;
    private Label rangesSubnet;

    Checker(CertifiedStateTree tree, Request request) {
      this.tree = tree;
      this.request = request;
    }

    void check(List<Label> path) {
      if (path.isEmpty()) {
        throw invalidPath(path);
      }
      Label head = path.get(0);
      int n = path.size();
      if (head.equals(CertifiedStateTree.TIME) && n == 1) {
        return;
      }
      if (head.equals(API_BOUNDARY_NODES)
          && (n <= 2 || (n == 3 && BOUNDARY_NODE_FIELDS.contains(path.get(2))))) {
        return;
      }
      if (head.equals(CertifiedStateTree.SUBNET)) {
        checkSubnet(path);
        return;
      }
      if (head.equals(CertifiedStateTree.CANISTER_RANGES) && n == 2) {
        checkCanisterRanges(path);
        return;
      }
      if (head.equals(CertifiedStateTree.REQUEST_STATUS)
          && (n == 2 || (n == 3 && REQUEST_STATUS_FIELDS.contains(path.get(2))))) {
        checkRequestStatus(path.get(1));
        return;
      }
      if (head.equals(CertifiedStateTree.CANISTER) && request.endpoint().isCanister()) {
        if (n == 3 && CANISTER_FIELDS.contains(path.get(2))) {
          requireEffectiveCanister(path.get(1));
          return;
        }
        if (n == 4 && path.get(2).equals(METADATA)) {
          checkMetadata(path.get(1), path.get(3));
          return;
        }
      }
      // Everything else, /canister/<cid>/certified_data included, cannot be requested.
      throw invalidPath(path);
    }

    private void checkSubnet(List<Label> path) {
      int n = path.size();
      if (n <= 2) {
        if (n == 2) {
          principal(path.get(1), "subnet id");
        }
        return;
      }
      Principal sid = principal(path.get(1), "subnet id");
      Label field = path.get(2);
      if (n == 3 && SUBNET_FIELDS.contains(field)) {
        return;
      }
      if (n == 3 && field.equals(CertifiedStateTree.CANISTER_RANGES)) {
        if (request.version() == ApiVersion.V2 || sid.equals(rootSubnetId.principal())) {
          return;
        }
        throw invalidPath(path);
      }
      if (n == 3 && field.equals(METRICS)) {
        if (!request.endpoint().isCanister() && request.endpoint().id().equals(sid)) {
          return;
        }
        throw invalidPath(path);
      }
      if (field.equals(NODE) && (n == 4 || (n == 5 && path.get(4).equals(Label.of("public_key"))))) {
        principal(path.get(3), "node id");
        return;
      }
      throw invalidPath(path);
    }

    private void checkCanisterRanges(List<Label> path) {
      if (request.endpoint().isCanister()) {
        throw invalidPath(path);
      }
      principal(path.get(1), "subnet id");
      if (rangesSubnet != null && !rangesSubnet.equals(path.get(1))) {
        throw new ReadStateAccessException(
            Reason.MIXED_IDS,
            "all canister_ranges paths of one request must name the same subnet, got "
                + rangesSubnet + " and " + path.get(1));
      }
      rangesSubnet = path.get(1);
    }

    private void checkRequestStatus(Label rid) {
      RequestId id;
      try {
        id = RequestId.fromBytes(rid.toBytes());
      } catch (InvalidInputException e) {
        throw new ReadStateAccessException(
            Reason.MALFORMED,
            "invalid request id in paths: a request id has " + RequestId.LENGTH_BYTES
                + " bytes, got " + rid.length());
      }
      if (requestId != null && !requestId.equals(rid)) {
        throw new ReadStateAccessException(
            Reason.MIXED_IDS,
            "all request_status paths of one request must name the same request id, got "
                + requestId + " and " + rid);
      }
      requestId = rid;
      Optional<IngressEntry> entry = tree.requestStatus(id);
      if (entry.isEmpty()) {
        return; // unknown: its absence may be proven to anyone
      }
      if (!entry.get().sender().equals(request.sender())) {
        throw new ReadStateAccessException(
            Reason.FORBIDDEN, "the request id " + id + " was not signed by the caller");
      }
      if (!entry.get().effectiveId().equals(request.endpoint())) {
        throw new ReadStateAccessException(
            Reason.FORBIDDEN,
            "the request id " + id + " was sent to " + entry.get().effectiveId()
                + ", not to " + request.endpoint());
      }
      EffectiveId target = entry.get().effectiveId();
      if (target.isCanister() && !request.targets().permits(target.id())) {
        throw new ReadStateAccessException(
            Reason.FORBIDDEN,
            "the request id " + id + " was sent to canister " + target.id()
                + ", which is not among the targets of the read_state request's delegation");
      }
    }

    private void requireDelegationTarget(Principal cid) {
      if (!request.targets().permits(cid)) {
        throw new ReadStateAccessException(
            Reason.FORBIDDEN,
            "canister " + cid + " is not among the targets of the read_state request's"
                + " delegation");
      }
    }

    private CanisterId requireEffectiveCanister(Label cidLabel) {
      Principal cid = principal(cidLabel, "canister id");
      if (!cid.equals(request.endpoint().id())) {
        throw new ReadStateAccessException(
            Reason.EFFECTIVE_ID_MISMATCH,
            "effective canister id in URL " + request.endpoint().id()
                + " does not match requested canister id " + cid);
      }
      requireDelegationTarget(cid);
      return new CanisterId(cid);
    }

    private void checkMetadata(Label cidLabel, Label nameLabel) {
      String name = utf8(nameLabel);
      CanisterId cid = requireEffectiveCanister(cidLabel);
      Optional<CanisterCertifiedState> canister = tree.canister(cid);
      if (canister.isEmpty()) {
        return;
      }
      MetadataSection section = canister.get().metadata().get(name);
      if (section != null
          && section.visibility() == MetadataSection.Visibility.PRIVATE
          && !canister.get().isController(request.sender())) {
        throw new ReadStateAccessException(
            Reason.FORBIDDEN,
            "custom section " + abbreviate(name) + " can only be requested by the controllers of"
                + " the canister");
      }
    }

    private ReadStateAccessException invalidPath(List<Label> path) {
      return new ReadStateAccessException(
          Reason.INVALID_PATH, "invalid path requested: " + describe(path));
    }
  }

  private static Principal principal(Label label, String what) {
    try {
      return Principal.fromBytes(label.toBytes());
    } catch (InvalidInputException e) {
      throw new ReadStateAccessException(
          Reason.MALFORMED, "could not parse the " + what + " in a path: " + e.getMessage());
    }
  }

  private static String utf8(Label label) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(label.toBytes()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ReadStateAccessException(
          Reason.MALFORMED, "a custom section name must be UTF-8, got " + label);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 100 ? s : s.substring(0, 100) + "…";
  }

  private static String describe(List<Label> path) {
    StringBuilder b = new StringBuilder();
    for (Label l : path) {
      b.append('/').append(l.length() <= 64 ? l.toString() : l.length() + "-byte label");
    }
    return b.length() == 0 ? "(the empty path)" : b.toString();
  }
}
