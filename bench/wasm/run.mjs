// Times a Wasm workload on V8 for WasmBench (bench/java/dev/canopy/bench/WasmBench.java).
//   node run.mjs run <module.wasm> <arg> <warmups> <runs>  -> {"compileMs", "runsMs": [...], "result"}
//   node run.mjs compile <module.wasm> <times>            -> {"compileMs": [...]}
// Each run calls the export "run" (i32) -> i64 on one instance, as the Java side does.
import { readFileSync } from 'node:fs';

const [mode, file, ...rest] = process.argv.slice(2);
const bytes = readFileSync(file);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

if (mode === 'compile') {
  const times = [];
  for (let i = 0; i < Number(rest[0]); i++) {
    const t0 = nowMs();
    await WebAssembly.compile(bytes);
    times.push(nowMs() - t0);
  }
  console.log(JSON.stringify({ compileMs: times }));
} else if (mode === 'run') {
  const [arg, warmups, runs] = rest.map(Number);
  const t0 = nowMs();
  const module = await WebAssembly.compile(bytes);
  const compileMs = nowMs() - t0;
  const instance = await WebAssembly.instantiate(module, {});
  const run = instance.exports.run;
  let result;
  for (let i = 0; i < warmups; i++) result = run(arg);
  const runsMs = [];
  for (let i = 0; i < runs; i++) {
    const t = nowMs();
    result = run(arg);
    runsMs.push(nowMs() - t);
  }
  console.log(JSON.stringify({ compileMs, runsMs, result: BigInt.asIntN(64, BigInt(result)).toString() }));
} else {
  console.error('usage: node run.mjs run|compile <module.wasm> ...');
  process.exit(2);
}
