/**
 * Runs canister code: module validation ({@link dev.canopy.wasm.ModuleValidator}), metering
 * ({@code instrument}), compilation with Chicory's compiler and a module cache, the {@code ic0}
 * System API, and {@link dev.canopy.wasm.WasmEngine}: a deterministic function from a canister's
 * state, a message and its environment to the new state (or a trap), the response, the outgoing
 * calls, the instructions used and the log lines.
 *
 * <p>Free of Pekko and of I/O except the compiled-module cache on disk.
 */
package dev.canopy.wasm;
