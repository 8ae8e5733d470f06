package dev.canopy.state;

import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.SubnetId;
import java.util.SortedMap;

/**
 * The read-only view of a subnet's replicated state at one height from which {@link
 * CertifiedStateTreeBuilder} builds the certified tree. The execution layer implements it; every
 * map is sorted by id.
 */
public interface CertifiedStateView {
  /** The batch time of this height, nanoseconds since 1970: {@code /time}. */
  long timeNanos();

  /** The subnet whose state this is. */
  SubnetId ownSubnetId();

  /** Every subnet the tree lists (at least this one): {@code /subnet}, {@code /canister_ranges}. */
  SortedMap<SubnetId, SubnetInfo> subnets();

  /** This subnet's canisters: {@code /canister}. */
  SortedMap<CanisterId, CanisterCertifiedState> canisters();

  /** The request status history: {@code /request_status}. */
  SortedMap<RequestId, IngressEntry> requestStatuses();

  /**
   * The same statuses as {@link #requestStatuses()}, as the trie {@code /request_status} is made
   * of. Note: this default builds one from scratch, hashing every status on each build; a view
   * backed by an {@link IngressHistory} returns {@link IngressHistory#statusTrie()}, which shares
   * nodes and digests with the previous height's.
   */
  default RequestStatusTrie requestStatusTrie() {
    return RequestStatusTrie.of(requestStatuses());
  }
}
