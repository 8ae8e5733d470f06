/**
 * The management canister {@code aaaaa-aa} (spec "The IC management canister"): {@link
 * dev.canopy.execution.management.IcManagementCanister} implements the execution layer's {@link
 * dev.canopy.execution.ManagementCanister} seam for replicated calls and answers the queries users
 * may send to {@code aaaaa-aa}; {@link dev.canopy.execution.management.ManagementTypes} holds the
 * argument and result types of {@code ic.did} (a verbatim copy beside this package's classes).
 *
 * <p>Plain Java, deterministic: no clock, no I/O, randomness only from the batch.
 */
package dev.canopy.execution.management;
