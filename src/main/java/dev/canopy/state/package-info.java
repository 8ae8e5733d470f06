/**
 * The replicated state's certified view: the request status history ({@link
 * dev.canopy.state.IngressHistory}), the certified state tree built from a read-only view of the
 * state ({@link dev.canopy.state.CertifiedStateTreeBuilder}), the read_state access rules ({@link
 * dev.canopy.state.ReadStateAccess}) and the certification of a height ({@link
 * dev.canopy.state.Certifier}).
 *
 * <p>Plain Java and deterministic: time is the batch time, maps are sorted, nothing reads a clock.
 */
package dev.canopy.state;
