// Compiles every src/test/motoko/*.mo into src/test/resources/motoko/<name>.wasm and <name>.did
// with moc from the npm package `motoko` (pinned in package.json), entirely offline: the `core`
// library comes from the copy shipped inside the npm package, not from the network.
//
// Output: wasm32 modules with classic orthogonal persistence and the incremental GC, whose
// `candid:service` and `candid:args` custom sections are public (`icp:public ...`).
//
// Usage: node build.mjs   (or ../build-motoko-fixtures from the repository root)

import { createRequire } from 'node:module';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const mo = require('motoko');
const corePackage = require('motoko/packages/latest/core.json');
const motokoNpmVersion = require('motoko/package.json').version;

const scriptDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(scriptDir, '..', '..');
const sourceDir = join(repoRoot, 'src', 'test', 'motoko');
const outputDir = join(repoRoot, 'src', 'test', 'resources', 'motoko');

// Upgrade pairs whose stable signatures must stay compatible (old -> new).
const upgradePairs = [['stable_store', 'stable_store_v2']];

const DIAGNOSTIC_ERROR = 1;

function configureCompiler() {
  mo.loadPackage(corePackage); // import "mo:core/...";
  // moc's default is enhanced orthogonal persistence (wasm64); the fixtures are wasm32 with
  // classic persistence, which the engine runs.
  mo.compiler.gcFlags('classicOP');
  mo.compiler.gcFlags('incremental');
  mo.setPublicMetadata(['candid:service', 'candid:args']);
}

function formatDiagnostic(d) {
  const { line, character } = d.range.start;
  const kind = d.severity === DIAGNOSTIC_ERROR ? 'error' : 'warning';
  return `${d.source}:${line + 1}:${character + 1}: ${kind} [${d.code}] ${d.message}`;
}

function compile(name, source) {
  const path = `${name}.mo`;
  mo.write(path, source);
  const diagnostics = mo.check(path);
  diagnostics.forEach((d) => console.error(formatDiagnostic(d)));
  if (diagnostics.some((d) => d.severity === DIAGNOSTIC_ERROR)) {
    throw new Error(`${path} does not compile`);
  }
  const { wasm, candid, stable } = mo.wasm(path, 'ic');
  return { wasm: Buffer.from(wasm), candid, stable };
}

function checkUpgrade(stableByName, oldName, newName) {
  mo.write(`${oldName}.most`, stableByName.get(oldName));
  mo.write(`${newName}.most`, stableByName.get(newName));
  const result = mo.compiler.stableCompatible(`${oldName}.most`, `${newName}.most`);
  const problems = result.diagnostics ?? [];
  if (problems.some((d) => d.severity === DIAGNOSTIC_ERROR)) {
    problems.forEach((d) => console.error(formatDiagnostic(d)));
    throw new Error(`${newName} cannot upgrade ${oldName}: stable signatures are incompatible`);
  }
}

function main() {
  configureCompiler();
  mkdirSync(outputDir, { recursive: true });
  console.log(`motoko npm ${motokoNpmVersion}, moc ${mo.version}, core ${corePackage.version}`);

  const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.mo')).sort();
  if (sources.length === 0) {
    throw new Error(`no .mo files in ${relative(repoRoot, sourceDir)}`);
  }
  const stableByName = new Map();
  for (const file of sources) {
    const name = basename(file, '.mo');
    const { wasm, candid, stable } = compile(name, readFileSync(join(sourceDir, file), 'utf8'));
    writeFileSync(join(outputDir, `${name}.wasm`), wasm);
    writeFileSync(join(outputDir, `${name}.did`), candid);
    stableByName.set(name, stable);
    console.log(`${name}.wasm ${wasm.length} bytes`);
  }
  for (const [oldName, newName] of upgradePairs) {
    checkUpgrade(stableByName, oldName, newName);
    console.log(`${oldName} -> ${newName}: stable signatures compatible`);
  }
}

main();
