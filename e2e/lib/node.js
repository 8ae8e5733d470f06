// Connecting an agent to the node under test, creating and installing canisters through the
// management canister, and asserting on rejections, for one agent flavour.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { managementIdl } from './idl.js';

const FIXTURES = new URL('../../src/test/resources/motoko/', import.meta.url);

/** The node's URL: the runner (run.sh) starts a node and exports it. */
export function nodeUrl() {
  const url = process.env.CANOPY_URL;
  if (!url) {
    throw new Error('CANOPY_URL is not set: run the tests with e2e/run.sh, which starts a node');
  }
  return url;
}

/**
 * The URL of a second replica of the same subnet, when the runner started a subnet (run.sh sets
 * it to replica 2 of four); undefined against a single node.
 */
export function otherReplicaUrl() {
  return process.env.CANOPY_OTHER_URL || undefined;
}

/**
 * An effective canister id for canister creation. Note: any id in the node's subnet range will do
 * (spec "Effective canister id"); conf/application.conf gives the range as indices 0..1048575, and
 * this is index 0.
 */
export const EFFECTIVE_ID_FOR_CREATION =
  process.env.CANOPY_EFFECTIVE_CANISTER_ID ?? 'rwlgt-iiaaa-aaaaa-aaaaa-cai';

export function wasm(name) {
  return new Uint8Array(readFileSync(new URL(`${name}.wasm`, FIXTURES)));
}

export function didText(name) {
  return readFileSync(new URL(`${name}.did`, FIXTURES), 'utf8');
}

export function sha256(bytes) {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/**
 * An agent of `flavour` with a fixed Ed25519 identity (seed byte `seed`), certificate and query
 * signature verification left at their defaults (on), and the root key fetched from the node (at
 * `url`, by default the node under test).
 */
export async function connect(flavour, seed, url = nodeUrl()) {
  const identity = flavour.Ed25519KeyIdentity.generate(new Uint8Array(32).fill(seed));
  const agent = await flavour.HttpAgent.create({
    host: url,
    identity,
    shouldFetchRootKey: true,
  });
  const { Actor, Principal } = flavour;
  const management = Actor.createActor(managementIdl, {
    agent,
    canisterId: Principal.managementCanister(),
    // Management methods take their effective canister id from the argument's canister_id;
    // creation takes any id in the subnet's range.
    callTransform: (_method, args) => ({
      effectiveCanisterId: args[0]?.canister_id ?? Principal.fromText(EFFECTIVE_ID_FOR_CREATION),
    }),
    queryTransform: (_method, args) => ({
      effectiveCanisterId: args[0]?.canister_id ?? Principal.fromText(EFFECTIVE_ID_FOR_CREATION),
    }),
  });

  const session = {
    flavour,
    agent,
    identity,
    principal: identity.getPrincipal(),
    management,
    actor: (idl, canisterId) => Actor.createActor(idl, { agent, canisterId }),

    async createCanister() {
      const { canister_id } = await management.provisional_create_canister_with_cycles({
        amount: [],
        settings: [],
        specified_id: [],
        sender_canister_version: [],
      });
      return canister_id;
    },

    async install(canisterId, module, mode = { install: null }) {
      await management.install_code({
        mode,
        canister_id: canisterId,
        wasm_module: wasm(module),
        arg: new Uint8Array(flavour.IDL.encode([], [])),
        sender_canister_version: [],
      });
    },

    async createAndInstall(module, idl) {
      const id = await session.createCanister();
      await session.install(id, module);
      return { id, actor: session.actor(idl, id) };
    },
  };
  return session;
}

/**
 * Awaits `promise` and checks that it fails with the agent's RejectError carrying `rejectCode`
 * and `errorCode`; returns the error's code object (rejectMessage, requestId, ...).
 */
export async function assertRejects(flavour, promise, { rejectCode, errorCode, message }) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a rejection with ${errorCode}, but the call succeeded`);
  assert.ok(error instanceof flavour.RejectError,
    `expected a RejectError with ${errorCode}, got ${error}`);
  const code = error.cause.code;
  assert.equal(Number(code.rejectCode), rejectCode, `reject code of ${error.message}`);
  assert.equal(code.rejectErrorCode, errorCode, `error code of ${error.message}`);
  if (message !== undefined) {
    assert.match(code.rejectMessage, message);
  }
  return code;
}
