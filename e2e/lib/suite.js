// The end-to-end tests, defined once and run by each agent flavour (test/*.test.js): canisters
// created through the management canister, Motoko fixtures installed, updates and queries with
// certificate and query-signature verification on, inter-canister calls, traps and rejects, an
// upgrade that keeps stable variables, and stop/start.
import assert from 'node:assert/strict';
import { describe, test, before } from 'node:test';
import { FLAVOURS } from './agents.js';
import {
  callerIdl, counterIdl, managementIdl, stableStoreIdl, stableStoreV2Idl,
} from './idl.js';
import {
  assertRejects, connect, didText, otherReplicaUrl, sha256, wasm,
} from './node.js';

const TEST_TIMEOUT_MS = 60_000;
/** How long one replica of a subnet may lag behind another that already certified a change. */
const REPLICA_LAG_TIMEOUT_MS = 10_000;

const hex = (bytes) => Buffer.from(bytes).toString('hex');

/** Polls `read` until it returns a value `accept` takes; bounded by REPLICA_LAG_TIMEOUT_MS. */
async function eventually(what, read, accept) {
  const deadline = Date.now() + REPLICA_LAG_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (accept(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      assert.fail(`${what}: still ${value} after ${REPLICA_LAG_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => { setTimeout(resolve, 50); });
  }
}

/** Method names a .did file's service declares (`name: (...) -> (...)` lines). */
function didMethods(text) {
  const service = text.slice(text.lastIndexOf('service'));
  return [...service.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\(/gm)].map((m) => m[1]).sort();
}

export function defineSuite(flavourKey, seed) {
  const flavour = FLAVOURS[flavourKey];
  const { IDL } = flavour;

  describe(flavour.name, { timeout: 170_000 }, () => {
    let node;

    before(async () => {
      node = await connect(flavour, seed);
    });

    test('the hand-written IDL factories declare the methods of the fixtures\' .did files', () => {
      const cases = [
        ['counter', counterIdl], ['caller', callerIdl],
        ['stable_store', stableStoreIdl], ['stable_store_v2', stableStoreV2Idl],
      ];
      for (const [name, idl] of cases) {
        const declared = idl({ IDL })._fields.map(([method]) => method).sort();
        assert.deepEqual(declared, didMethods(didText(name)), `${name}.did`);
      }
      // and the management factory parses under this flavour's IDL
      assert.ok(managementIdl({ IDL })._fields.length > 0);
    });

    test('the node is healthy and the agent trusts the root key it serves', async () => {
      const status = await node.agent.status();
      assert.equal(status.replica_health_status, 'healthy');
      assert.deepEqual(new Uint8Array(status.root_key), new Uint8Array(node.agent.rootKey));
    });

    test('a Motoko counter: create, install, update calls and signed queries',
      { timeout: TEST_TIMEOUT_MS }, async () => {
        const { id, actor } = await node.createAndInstall('counter', counterIdl);

        // certified read_state of the canister's paths
        const paths = await flavour.CanisterStatus.request({
          canisterId: id, agent: node.agent, paths: ['module_hash', 'controllers', 'time'],
        });
        assert.equal(paths.get('module_hash'), hex(sha256(wasm('counter'))));
        assert.deepEqual(paths.get('controllers').map((p) => p.toText()),
          [node.principal.toText()]);
        const certifiedTimeMs = paths.get('time').getTime();
        assert.ok(Math.abs(certifiedTimeMs - Date.now()) < 5 * 60_000,
          `certified time ${new Date(certifiedTimeMs).toISOString()} is near now`);

        const status = await node.management.canister_status({ canister_id: id });
        assert.ok('running' in status.status);
        assert.deepEqual(hex(status.module_hash[0]), hex(sha256(wasm('counter'))));

        assert.equal(await actor.get(), 0n);
        await actor.inc();
        await actor.inc();
        assert.equal(await actor.get(), 2n);
        await actor.set(41n);
        await actor.inc();
        assert.equal(await actor.get(), 42n);
      });

    test('an asynchronous call (/api/v2, 202) is polled through read_state to its certified '
      + 'reply or rejection', { timeout: TEST_TIMEOUT_MS }, async () => {
        const counter = await node.createAndInstall('counter', counterIdl);
        const caller = await node.createAndInstall('caller', callerIdl);
        const submit = (id, methodName, arg) => node.agent.call(id, {
          methodName, arg: new Uint8Array(arg), effectiveCanisterId: id, callSync: false,
        });

        const inc = await submit(counter.id, 'inc', IDL.encode([], []));
        assert.equal(inc.response.status, 202);
        const { reply } = await flavour.pollForResponse(node.agent, counter.id, inc.requestId);
        assert.deepEqual(IDL.decode([], reply), []);
        assert.equal(await counter.actor.get(), 1n);

        const trap = await submit(caller.id, 'trap', IDL.encode([IDL.Text], ['async boom']));
        assert.equal(trap.response.status, 202);
        await assertRejects(flavour, flavour.pollForResponse(node.agent, caller.id, trap.requestId),
          { rejectCode: 5, errorCode: 'IC0503', message: /async boom/ });
      });

    test('inter-canister calls: caller.callInc(counter) increments the other canister',
      { timeout: TEST_TIMEOUT_MS }, async () => {
        const counter = await node.createAndInstall('counter', counterIdl);
        const caller = await node.createAndInstall('caller', callerIdl);
        assert.equal(await caller.actor.callInc(counter.id), 1n);
        assert.equal(await caller.actor.callInc(counter.id), 2n);
        await counter.actor.inc();
        assert.equal(await counter.actor.get(), 3n);
      });

    test('a trap and a reject come back with their reject and error codes',
      { timeout: TEST_TIMEOUT_MS }, async () => {
        const caller = await node.createAndInstall('caller', callerIdl);
        const callee = await node.createAndInstall('caller', callerIdl);
        await assertRejects(flavour, caller.actor.trap('boom'),
          { rejectCode: 5, errorCode: 'IC0503', message: /boom/ });
        await assertRejects(flavour, caller.actor.reject('nope'),
          { rejectCode: 4, errorCode: 'IC0406', message: /nope/ });
        // a callee's failure as the calling canister sees it
        assert.match(await caller.actor.callFailing(callee.id, true, 'deep trap'),
          /^canister_error: .*deep trap/);
        assert.equal(await caller.actor.callFailing(callee.id, false, 'polite'),
          'canister_reject: polite');
        // a query of a method the module does not export (signed rejection)
        const missing = node.actor(({ IDL: I }) => I.Service({
          nothing: I.Func([], [], ['query']),
        }), caller.id);
        await assertRejects(flavour, missing.nothing(), { rejectCode: 5, errorCode: 'IC0536' });
      });

    test('an upgrade to stable_store_v2 keeps the stable variables',
      { timeout: TEST_TIMEOUT_MS }, async () => {
        const { id, actor } = await node.createAndInstall('stable_store', stableStoreIdl);
        await actor.put('a', 'one');
        await actor.put('b', 'two');
        await actor.put('a', 'uno');
        assert.equal(await actor.version(), 1n);
        assert.equal(await actor.putCount(), 3n);
        const v2 = node.actor(stableStoreV2Idl, id);
        await assertRejects(flavour, v2.keys(), { rejectCode: 5, errorCode: 'IC0536' });

        await node.install(id, 'stable_store_v2', { upgrade: [] });

        assert.equal(await v2.version(), 2n);
        assert.deepEqual(await v2.get('a'), ['uno']);
        assert.deepEqual(await v2.get('b'), ['two']);
        assert.deepEqual(await v2.get('c'), []);
        assert.deepEqual(await v2.keys(), ['a', 'b']);
        assert.equal(await v2.size(), 2n);
        assert.equal(await v2.putCount(), 3n);
        await v2.put('c', 'three');
        assert.equal(await v2.putCount(), 4n);
        const status = await node.management.canister_status({ canister_id: id });
        assert.equal(hex(status.module_hash[0]), hex(sha256(wasm('stable_store_v2'))));
      });

    test('a second replica of the subnet serves the same root key, and calls and signed queries '
      + 'of a canister installed through the first', {
      timeout: TEST_TIMEOUT_MS,
      skip: otherReplicaUrl() === undefined && 'a single node has no second replica',
    }, async () => {
      const other = await connect(flavour, seed, otherReplicaUrl());
      assert.deepEqual(new Uint8Array(other.agent.rootKey), new Uint8Array(node.agent.rootKey));
      const { id, actor } = await node.createAndInstall('counter', counterIdl);
      // The install is certified through the first replica; the second may be a height behind.
      const moduleHash = async () => (await flavour.CanisterStatus.request({
        canisterId: id, agent: other.agent, paths: ['module_hash'],
      })).get('module_hash');
      await eventually('the module hash on the second replica', moduleHash, (h) => h != null);

      const there = other.actor(counterIdl, id);
      await there.inc(); // certificate checked under the root key the second replica serves
      assert.equal(await there.get(), 1n); // signed by the second replica's node key
      await actor.inc();
      assert.equal(await eventually('the count through the second replica', () => there.get(),
        (n) => n === 2n), 2n);
      assert.equal(await eventually('the count through the first replica', () => actor.get(),
        (n) => n === 2n), 2n);
    });

    test('a stopped canister rejects calls with IC0508 until it is started',
      { timeout: TEST_TIMEOUT_MS }, async () => {
        const { id, actor } = await node.createAndInstall('counter', counterIdl);
        await actor.inc();
        await node.management.stop_canister({ canister_id: id });
        const status = await node.management.canister_status({ canister_id: id });
        assert.ok('stopped' in status.status, `status ${JSON.stringify(Object.keys(status.status))}`);

        await assertRejects(flavour, actor.inc(), { rejectCode: 5, errorCode: 'IC0508' });
        await assertRejects(flavour, actor.get(), { rejectCode: 5, errorCode: 'IC0508' });

        await node.management.start_canister({ canister_id: id });
        await actor.inc();
        assert.equal(await actor.get(), 2n);
      });
  });
}
