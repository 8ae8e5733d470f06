// Times a Wasm workload on V8 for WasmBench (bench/java/dev/canopy/bench/WasmBench.java).
//   node run.mjs run <module.wasm> <arg> <warmups> <runs> [rounds]
//     -> {"compileMs", "runsMs": [...], "cpuMs": [...], "result"}  (cpuMs: the process's CPU time)
//   Each round instantiates the module afresh (its memory too), then warms up and times its runs.
//   node run.mjs compile <module.wasm> <times>            -> {"compileMs": [...]}
// Each run calls the export "run" (i32) -> i64, as the Java side does.
import { readFileSync } from 'node:fs';

const [mode, file, ...rest] = process.argv.slice(2);
const bytes = readFileSync(file);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e3;
};

if (mode === 'compile') {
  const times = [];
  for (let i = 0; i < Number(rest[0]); i++) {
    const t0 = nowMs();
    await WebAssembly.compile(bytes);
    times.push(nowMs() - t0);
  }
  console.log(JSON.stringify({ compileMs: times }));
} else if (mode === 'run') {
  const [arg, warmups, runs, rounds = 1] = rest.map(Number);
  const t0 = nowMs();
  const module = await WebAssembly.compile(bytes);
  const compileMs = nowMs() - t0;
  let result;
  const runsMs = [];
  const cpu = [];
  for (let r = 0; r < rounds; r++) {
    const instance = await WebAssembly.instantiate(module, {});
    const run = instance.exports.run;
    for (let i = 0; i < warmups; i++) result = run(arg);
    for (let i = 0; i < runs; i++) {
      const c = cpuMs();
      const t = nowMs();
      result = run(arg);
      runsMs.push(nowMs() - t);
      cpu.push(cpuMs() - c);
    }
  }
  console.log(JSON.stringify({
    compileMs, runsMs, cpuMs: cpu, result: BigInt.asIntN(64, BigInt(result)).toString() }));
} else {
  console.error('usage: node run.mjs run|compile <module.wasm> ...');
  process.exit(2);
}
