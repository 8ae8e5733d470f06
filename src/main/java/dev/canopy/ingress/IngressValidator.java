package dev.canopy.ingress;

import dev.canopy.crypto.InvalidAuthenticationException;
import dev.canopy.crypto.PublicKeyCache;
import dev.canopy.crypto.RequestAuthentication;
import dev.canopy.crypto.RequestAuthentication.Authorization;
import dev.canopy.ingress.IngressRejection.Reason;
import dev.canopy.ingress.ManagementCanisterRules.AnyEffectiveCanisterId;
import dev.canopy.ingress.ManagementCanisterRules.Decision;
import dev.canopy.ingress.ManagementCanisterRules.Reject;
import dev.canopy.ingress.ManagementCanisterRules.Targets;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.Optional;

/**
 * Decides whether a decoded request may enter the replica (spec "Authentication", "Effective
 * canister id", "API Request submission"): its expiry window, its authentication (signature,
 * delegations, their targets and permissions), and its effective canister id, including the
 * management canister's rules. It does not look at replicated state: whether the target canister
 * exists, runs and accepts the message (or whether the caller controls it) is the caller's to
 * check next.
 *
 * <p>Time is an argument ({@code nowNs}, the node's time in nanoseconds since 1970), never the
 * wall clock. Thread-safe: it holds immutable configuration and a bounded cache of parsed sender
 * keys ({@link PublicKeyCache}), which saves work and never changes a verdict.
 *
 * <p>Note: status codes follow the spec's split: what is malformed or not authentic is a 4xx
 * {@link IngressRejection} (expiry 400 as the reference replica; authentication 403); what the
 * spec says the system <em>rejects</em> is an {@link IngressVerdict.Rejected} that the routes
 * answer with 200 and a reject body.
 */
public final class IngressValidator {
  private final IngressValidatorConfig config;
  private final PublicKeyCache keys = new PublicKeyCache(PublicKeyCache.DEFAULT_MAX_KEYS);

  public IngressValidator(IngressValidatorConfig config) {
    this.config = config;
  }

  /** The parsed sender and delegation keys this validator keeps. */
  public PublicKeyCache keyCache() {
    return keys;
  }

  public IngressValidatorConfig config() {
    return config;
  }

  /** A request to {@code /api/v2|v3|v4/canister/<effectiveCanisterId>/call}. */
  public IngressVerdict<CallContent> validateCall(
      Envelope<CallContent> envelope, Principal effectiveCanisterId, long nowNs) {
    CallContent content = envelope.content();
    requireMatchingCanister(content, effectiveCanisterId);
    requireHosted(effectiveCanisterId);
    config.expiry().check(content.ingressExpiryNs(), nowNs);
    Authorization authorization = authenticate(envelope, nowNs);
    requireTargetPermitted(authorization, content.canisterId());
    if (authorization.queriesOnly()) {
      throw new IngressRejection(
          Reason.QUERIES_ONLY,
          "Invalid delegation: the delegation chain has permissions \"queries\", which forbids"
              + " update calls; send this method as a query, or sign the call with a delegation"
              + " that allows \"all\".");
    }
    if (!content.canisterId().isManagementCanister()) {
      return accepted(envelope, authorization, Optional.empty());
    }
    Decision decision =
        ManagementCanisterRules.forCall(content.methodName(), content.arg(), content.sender(), config);
    return management(envelope, authorization, decision, effectiveCanisterId);
  }

  /** A request to {@code /api/v2|v3/canister/<effectiveCanisterId>/query}. */
  public IngressVerdict<QueryContent> validateQuery(
      Envelope<QueryContent> envelope, Principal effectiveCanisterId, long nowNs) {
    QueryContent content = envelope.content();
    requireMatchingCanister(content, effectiveCanisterId);
    requireHosted(effectiveCanisterId);
    checkExpiryUnlessAnonymous(content, nowNs);
    Authorization authorization = authenticate(envelope, nowNs);
    requireTargetPermitted(authorization, content.canisterId());
    if (!content.canisterId().isManagementCanister()) {
      return accepted(envelope, authorization, Optional.empty());
    }
    Decision decision = ManagementCanisterRules.forQuery(content.methodName(), content.arg());
    return management(envelope, authorization, decision, effectiveCanisterId);
  }

  /**
   * A request to {@code /api/v4/subnet/<effectiveSubnetId>/call}: only canister creation calls to
   * the management canister (spec "Effective subnet id"), on this node's subnet.
   */
  public IngressVerdict<CallContent> validateSubnetCall(
      Envelope<CallContent> envelope, SubnetId effectiveSubnetId, long nowNs) {
    CallContent content = envelope.content();
    requireOwnSubnet(effectiveSubnetId);
    if (!content.canisterId().isManagementCanister()
        || !(content.methodName().equals("create_canister")
            || content.methodName().equals("provisional_create_canister_with_cycles"))) {
      throw new IngressRejection(
          Reason.EFFECTIVE_SUBNET_ID,
          "The subnet call endpoint only accepts create_canister and"
              + " provisional_create_canister_with_cycles calls to the management canister; send "
              + content.canisterId() + "." + content.methodName() + " to /api/v4/canister/<effective canister id>/call.");
    }
    config.expiry().check(content.ingressExpiryNs(), nowNs);
    Authorization authorization = authenticate(envelope, nowNs);
    requireTargetPermitted(authorization, content.canisterId());
    if (authorization.queriesOnly()) {
      throw new IngressRejection(
          Reason.QUERIES_ONLY,
          "Invalid delegation: the delegation chain has permissions \"queries\", which forbids update calls.");
    }
    Decision decision =
        ManagementCanisterRules.forCall(content.methodName(), content.arg(), content.sender(), config);
    if (decision instanceof Reject reject) {
      return new IngressVerdict.Rejected<>(reject.rejection());
    }
    return accepted(envelope, authorization, Optional.empty());
  }

  /**
   * A request to {@code /api/v3/subnet/<effectiveSubnetId>/query}: only the management canister's
   * {@code list_canisters} (spec "Effective subnet id"), on this node's subnet.
   */
  public IngressVerdict<QueryContent> validateSubnetQuery(
      Envelope<QueryContent> envelope, SubnetId effectiveSubnetId, long nowNs) {
    QueryContent content = envelope.content();
    requireOwnSubnet(effectiveSubnetId);
    if (!content.canisterId().isManagementCanister() || !content.methodName().equals("list_canisters")) {
      throw new IngressRejection(
          Reason.EFFECTIVE_SUBNET_ID,
          "The subnet query endpoint only accepts list_canisters queries to the management canister; send "
              + content.canisterId() + "." + content.methodName() + " to /api/v3/canister/<effective canister id>/query.");
    }
    checkExpiryUnlessAnonymous(content, nowNs);
    Authorization authorization = authenticate(envelope, nowNs);
    requireTargetPermitted(authorization, content.canisterId());
    return accepted(envelope, authorization, Optional.empty());
  }

  /**
   * A request to {@code /api/v2|v3/canister/<effectiveCanisterId>/read_state}. Which paths the
   * sender may read is decided with the state; the returned targets are part of that decision.
   */
  public ValidatedRequest<ReadStateContent> validateCanisterReadState(
      Envelope<ReadStateContent> envelope, Principal effectiveCanisterId, long nowNs) {
    requireHosted(effectiveCanisterId);
    return validateReadState(envelope, nowNs);
  }

  /** A request to {@code /api/v2|v3/subnet/<effectiveSubnetId>/read_state}. */
  public ValidatedRequest<ReadStateContent> validateSubnetReadState(
      Envelope<ReadStateContent> envelope, SubnetId effectiveSubnetId, long nowNs) {
    requireOwnSubnet(effectiveSubnetId);
    return validateReadState(envelope, nowNs);
  }

  /** Expiry and authentication of a read_state request, wherever it was sent. */
  public ValidatedRequest<ReadStateContent> validateReadState(
      Envelope<ReadStateContent> envelope, long nowNs) {
    checkExpiryUnlessAnonymous(envelope.content(), nowNs);
    Authorization authorization = authenticate(envelope, nowNs);
    return new ValidatedRequest<>(
        envelope, authorization.targets(), authorization.queriesOnly(), Optional.empty());
  }

  private <C extends CanisterRequestContent> IngressVerdict<C> management(
      Envelope<C> envelope, Authorization authorization, Decision decision, Principal ecid) {
    if (decision instanceof Reject reject) {
      return new IngressVerdict.Rejected<>(reject.rejection());
    }
    if (decision instanceof Targets targets) {
      if (!targets.canister().equals(ecid)) {
        throw new IngressRejection(
            Reason.EFFECTIVE_CANISTER_ID_MISMATCH,
            "The effective canister id in the URL is " + ecid + ", but ic00 method "
                + envelope.content().methodName() + " targets canister " + targets.canister()
                + "; send the request to /canister/" + targets.canister() + "/.");
      }
      return accepted(envelope, authorization, Optional.of(targets.canister()));
    }
    if (decision instanceof AnyEffectiveCanisterId) {
      return accepted(envelope, authorization, Optional.empty());
    }
    throw new IllegalStateException("unknown decision " + decision);
  }

  private static <C extends RequestContent> IngressVerdict<C> accepted(
      Envelope<C> envelope, Authorization authorization, Optional<Principal> managementTarget) {
    return new IngressVerdict.Accepted<>(
        new ValidatedRequest<>(envelope, authorization.targets(), authorization.queriesOnly(), managementTarget));
  }

  /**
   * Note: the reference replica insists on this for every non-management request, because
   * boundary nodes route and filter by the URL while the replica executes {@code canister_id}.
   */
  private static void requireMatchingCanister(CanisterRequestContent content, Principal ecid) {
    if (!content.canisterId().isManagementCanister() && !content.canisterId().equals(ecid)) {
      throw new IngressRejection(
          Reason.EFFECTIVE_CANISTER_ID_MISMATCH,
          "Specified CanisterId " + content.canisterId()
              + " does not match effective canister id in URL " + ecid);
    }
  }

  private void requireHosted(Principal ecid) {
    if (!config.hosts(ecid)) {
      throw new IngressRejection(
          Reason.EFFECTIVE_CANISTER_ID_NOT_HOSTED,
          "Effective canister id " + ecid + " is not in the canister ranges of this subnet "
              + config.canisterRanges() + "; use an effective canister id from these ranges.");
    }
  }

  private void requireOwnSubnet(SubnetId effectiveSubnetId) {
    if (config.subnetId().isEmpty() || !config.subnetId().get().equals(effectiveSubnetId)) {
      throw new IngressRejection(
          Reason.EFFECTIVE_SUBNET_ID,
          "Effective subnet id " + effectiveSubnetId + " is not this node's subnet"
              + config.subnetId().map(s -> " (" + s + ")").orElse("") + ".");
    }
  }

  /** Spec "Authentication": anonymous queries and read_state may carry any expiry. */
  private void checkExpiryUnlessAnonymous(RequestContent content, long nowNs) {
    if (!content.sender().isAnonymous()) {
      config.expiry().check(content.ingressExpiryNs(), nowNs);
    }
  }

  private static void requireTargetPermitted(Authorization authorization, Principal canister) {
    if (!authorization.targets().permits(canister)) {
      throw new IngressRejection(
          Reason.DELEGATION_TARGETS,
          "Canister '" + canister + "' is not one of the delegation targets.");
    }
  }

  private Authorization authenticate(Envelope<? extends RequestContent> envelope, long nowNs) {
    RequestContent content = envelope.content();
    if (content instanceof CanisterRequestContent c && c.senderInfo().isPresent()) {
      // Note: sender_info (its canister signature under "\x0Eic-sender-info") is refused, not
      // ignored: this replica does not yet pass it to canisters (ic0.msg_caller_info_*), and a
      // canister that relies on it must not see a call without it as if it had none.
      throw new IngressRejection(
          Reason.AUTHENTICATION,
          "Invalid signature: this replica does not support sender_info yet; send the request"
              + " without it.");
    }
    try {
      return RequestAuthentication.authenticate(
          content.sender(),
          envelope.senderPubkey().orElse(null),
          envelope.senderSig().orElse(null),
          envelope.senderDelegation().orElse(null),
          content.requestId().toBytes(),
          nowNs,
          config.delegationLimits(),
          config.signatureVerifier(),
          keys);
    } catch (InvalidAuthenticationException e) {
      throw new IngressRejection(Reason.AUTHENTICATION, authenticationMessage(e, content.sender()), e);
    }
  }

  /** The reference replica's prefixes, followed by what to fix. */
  private static String authenticationMessage(InvalidAuthenticationException e, Principal sender) {
    String detail = e.getMessage();
    switch (e.reason()) {
      case ANONYMOUS_WITH_CREDENTIALS:
        return "Signature is not allowed for the anonymous user: " + detail;
      case MISSING_CREDENTIALS:
        return "Missing signature from user: " + sender + ": " + detail;
      case SENDER_MISMATCH:
        return "The user id does not match the public key: " + detail;
      case DELEGATION_EXPIRED:
        return "Invalid delegation expiry: " + detail;
      case REQUEST_SIGNATURE_INVALID:
      case MALFORMED_REQUEST_ID:
        return "Invalid signature: " + detail;
      case INVALID_KEY:
        return e.delegationIndex().isPresent()
            ? "Invalid delegation: " + detail
            : "Invalid signature: Invalid public key: " + detail;
      default:
        return "Invalid delegation: " + detail;
    }
  }
}
