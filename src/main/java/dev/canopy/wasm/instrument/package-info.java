/**
 * Deterministic metering of Wasm modules by rewriting them: {@link
 * dev.canopy.wasm.instrument.MeteringInstrumenter} injects an instruction counter and a call-depth
 * counter, so every replica traps at the same instruction; {@link
 * dev.canopy.wasm.instrument.WasmModule} reads and writes modules losslessly.
 */
package dev.canopy.wasm.instrument;
