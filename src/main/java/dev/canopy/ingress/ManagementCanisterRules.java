package dev.canopy.ingress;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which management-canister methods users may call, and which effective canister id each needs
 * (spec "Effective canister id", "API Request submission", "The IC management canister").
 *
 * <p>Note: the effective canister id of a management method comes from its Candid argument, so the
 * argument is decoded here: {@code target_canister} for {@code install_chunked_code}, else
 * {@code canister_id}. A method that is not listed is judged by that generic rule alone; whether
 * the management canister has it is for execution to say.
 */
final class ManagementCanisterRules {
  /** What to do with an ingress message to the management canister. */
  sealed interface Decision {}

  /** Any effective canister id is right (within the subnet's ranges). */
  record AnyEffectiveCanisterId() implements Decision {}

  /** The effective canister id must be this canister, which the argument names. */
  record Targets(Principal canister) implements Decision {}

  /** The system rejects the message, whatever its effective canister id. */
  record Reject(NonReplicatedRejection rejection) implements Decision {}

  /** Spec "API Request submission": users may never call these by ingress. */
  private static final Set<String> NEVER_BY_INGRESS =
      Set.of(
          "raw_rand",
          "deposit_cycles",
          "http_request",
          "canister_info",
          "canister_metadata",
          "subnet_info",
          "node_metrics_history",
          "setup_initial_dkg",
          "reshare_chained_key");

  /** Families of methods that cost cycles an ingress message cannot carry. */
  private static final List<String> NEVER_BY_INGRESS_PREFIXES =
      List.of("ecdsa_", "sign_with_", "schnorr_", "vetkd_", "bitcoin_", "compute_initial_");

  /** Management methods that run only as queries. */
  private static final Set<String> QUERY_ONLY = Set.of("fetch_canister_logs", "list_canisters");

  private static final Set<String> PROVISIONAL =
      Set.of("provisional_create_canister_with_cycles", "provisional_top_up_canister");

  private ManagementCanisterRules() {}

  static Decision forCall(String method, byte[] arg, Principal sender, IngressValidatorConfig config) {
    if (NEVER_BY_INGRESS.contains(method)
        || NEVER_BY_INGRESS_PREFIXES.stream().anyMatch(method::startsWith)) {
      return onlyCanisters(method);
    }
    if (QUERY_ONLY.contains(method)) {
      return new Reject(
          new NonReplicatedRejection(
              NonReplicatedRejection.CANISTER_REJECT,
              NonReplicatedRejection.CANISTER_REJECTED_MESSAGE,
              "ic00 method " + method + " is only accessible in non-replicated mode; send it as a query."));
    }
    if (PROVISIONAL.contains(method) && !config.provisionalApiEnabled()) {
      return new Reject(
          new NonReplicatedRejection(
              NonReplicatedRejection.CANISTER_REJECT,
              NonReplicatedRejection.CANISTER_REJECTED_MESSAGE,
              "Caller " + sender + " is not allowed to call ic00 method " + method
                  + " (the provisional API is not enabled on this subnet)."));
    }
    if (method.equals("create_canister")) {
      return config.subnetAdmins().contains(sender)
          ? new AnyEffectiveCanisterId()
          : new Reject(
              new NonReplicatedRejection(
                  NonReplicatedRejection.CANISTER_REJECT,
                  NonReplicatedRejection.CANISTER_REJECTED_MESSAGE,
                  "Only canisters and subnet admins can call ic00 method create_canister; users"
                      + " create canisters through a cycles wallet or the cycles ledger"
                      + (config.provisionalApiEnabled()
                          ? ", or with provisional_create_canister_with_cycles on this subnet."
                          : ".")));
    }
    if (method.equals("provisional_create_canister_with_cycles")) {
      return new AnyEffectiveCanisterId();
    }
    return targetFromArgument(method, arg);
  }

  static Decision forQuery(String method, byte[] arg) {
    if (method.equals("list_canisters")) {
      return new AnyEffectiveCanisterId();
    }
    return targetFromArgument(method, arg);
  }

  private static Decision targetFromArgument(String method, byte[] arg) {
    CandidArgs args;
    try {
      args = CandidArgs.decode(arg);
    } catch (InvalidInputException e) {
      return invalidPayload(method, "the argument is not Candid: " + e.getMessage());
    }
    if (args.size() == 0 || !(args.get(0) instanceof CandidValue.Record record)) {
      return invalidPayload(method, "the argument is not a Candid record");
    }
    if (method.equals("install_chunked_code")) {
      Optional<Principal> target = principalField(record, "target_canister");
      if (target.isPresent()) {
        return new Targets(target.get());
      }
    }
    return principalField(record, "canister_id")
        .<Decision>map(Targets::new)
        .orElseGet(() -> invalidPayload(method, "the argument has no field canister_id of type principal"));
  }

  private static Optional<Principal> principalField(CandidValue.Record record, String name) {
    return record.get(name) instanceof CandidValue.PrincipalValue p
        ? Optional.of(p.principal())
        : Optional.empty();
  }

  private static Reject onlyCanisters(String method) {
    return new Reject(
        new NonReplicatedRejection(
            NonReplicatedRejection.CANISTER_REJECT,
            NonReplicatedRejection.CANISTER_REJECTED_MESSAGE,
            "Only canisters can call ic00 method " + method));
  }

  private static Reject invalidPayload(String method, String detail) {
    return new Reject(
        new NonReplicatedRejection(
            NonReplicatedRejection.CANISTER_REJECT,
            NonReplicatedRejection.INVALID_MANAGEMENT_PAYLOAD,
            "Failed to decode payload for ic00 method: " + method + " (" + detail + ")"));
  }
}
