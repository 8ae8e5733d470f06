// Candid interfaces of the management canister (the methods the tests use) and of the Motoko
// fixtures in src/test/motoko (their .did files beside the wasm in src/test/resources/motoko),
// written as the agents' IDL factories.

export const managementIdl = ({ IDL }) => {
  const logVisibility = IDL.Variant({
    controllers: IDL.Null,
    public: IDL.Null,
    allowed_viewers: IDL.Vec(IDL.Principal),
  });
  const canisterSettings = IDL.Record({
    controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
    compute_allocation: IDL.Opt(IDL.Nat),
    memory_allocation: IDL.Opt(IDL.Nat),
    freezing_threshold: IDL.Opt(IDL.Nat),
    reserved_cycles_limit: IDL.Opt(IDL.Nat),
    log_visibility: IDL.Opt(logVisibility),
    wasm_memory_limit: IDL.Opt(IDL.Nat),
    wasm_memory_threshold: IDL.Opt(IDL.Nat),
  });
  const canisterIdRecord = IDL.Record({ canister_id: IDL.Principal });
  const installMode = IDL.Variant({
    install: IDL.Null,
    reinstall: IDL.Null,
    upgrade: IDL.Opt(IDL.Record({
      skip_pre_upgrade: IDL.Opt(IDL.Bool),
      wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
    })),
  });
  return IDL.Service({
    provisional_create_canister_with_cycles: IDL.Func([IDL.Record({
      amount: IDL.Opt(IDL.Nat),
      settings: IDL.Opt(canisterSettings),
      specified_id: IDL.Opt(IDL.Principal),
      sender_canister_version: IDL.Opt(IDL.Nat64),
    })], [canisterIdRecord], []),
    install_code: IDL.Func([IDL.Record({
      mode: installMode,
      canister_id: IDL.Principal,
      wasm_module: IDL.Vec(IDL.Nat8),
      arg: IDL.Vec(IDL.Nat8),
      sender_canister_version: IDL.Opt(IDL.Nat64),
    })], [], []),
    stop_canister: IDL.Func([canisterIdRecord], [], []),
    start_canister: IDL.Func([canisterIdRecord], [], []),
    // Note: a subset of the reply's fields; Candid's record subtyping lets the agent skip the rest.
    canister_status: IDL.Func([canisterIdRecord], [IDL.Record({
      status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
      module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
      cycles: IDL.Nat,
      settings: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
    })], []),
  });
};

// counter.did
export const counterIdl = ({ IDL }) => IDL.Service({
  get: IDL.Func([], [IDL.Nat], ['query']),
  inc: IDL.Func([], [], []),
  set: IDL.Func([IDL.Nat], [], []),
});

// caller.did
export const callerIdl = ({ IDL }) => IDL.Service({
  callFailing: IDL.Func([IDL.Principal, IDL.Bool, IDL.Text], [IDL.Text], []),
  callInc: IDL.Func([IDL.Principal], [IDL.Nat], []),
  reject: IDL.Func([IDL.Text], [], []),
  trap: IDL.Func([IDL.Text], [], []),
});

// stable_store.did
const stableStoreMethods = (IDL) => ({
  get: IDL.Func([IDL.Text], [IDL.Opt(IDL.Text)], ['query']),
  put: IDL.Func([IDL.Text, IDL.Text], [], []),
  putCount: IDL.Func([], [IDL.Nat], ['query']),
  size: IDL.Func([], [IDL.Nat], ['query']),
  version: IDL.Func([], [IDL.Nat], ['query']),
});
export const stableStoreIdl = ({ IDL }) => IDL.Service(stableStoreMethods(IDL));

// stable_store_v2.did: version 1 plus keys()
export const stableStoreV2Idl = ({ IDL }) => IDL.Service({
  ...stableStoreMethods(IDL),
  keys: IDL.Func([], [IDL.Vec(IDL.Text)], ['query']),
});
