// Inter-canister calls, traps and rejects. The callee is named by its principal at run time.
import Error "mo:core/Error";
import Principal "mo:core/Principal";
import Runtime "mo:core/Runtime";

persistent actor Caller {
  type Counter = actor {
    inc : () -> async ();
    get : query () -> async Nat;
  };

  type Failing = actor {
    trap : (Text) -> async ();
    reject : (Text) -> async ();
  };

  /// Increments the counter at `target`, then returns its value (two calls, two callbacks).
  public func callInc(target : Principal) : async Nat {
    let counter : Counter = actor (Principal.toText(target));
    await counter.inc();
    await counter.get();
  };

  /// Traps with `message`: the call fails with a canister error and no state change.
  public func trap(message : Text) : async () {
    Runtime.trap(message);
  };

  /// Rejects with `message` (reject code CANISTER_REJECT).
  public func reject(message : Text) : async () {
    throw Error.reject(message);
  };

  /// Calls `trap` or `reject` on another caller canister and reports what came back, as
  /// "<error code>: <message>", so a test can see how a callee's failure reaches its caller.
  public func callFailing(target : Principal, doTrap : Bool, message : Text) : async Text {
    let callee : Failing = actor (Principal.toText(target));
    try {
      if (doTrap) { await callee.trap(message) } else { await callee.reject(message) };
      "ok";
    } catch (e) {
      codeName(Error.code(e)) # ": " # Error.message(e);
    };
  };

  func codeName(code : Error.ErrorCode) : Text {
    switch code {
      case (#system_fatal) "system_fatal";
      case (#system_transient) "system_transient";
      case (#destination_invalid) "destination_invalid";
      case (#canister_reject) "canister_reject";
      case (#canister_error) "canister_error";
      case (#future _) "future";
      case (#call_error _) "call_error";
      case (#system_unknown) "system_unknown";
    };
  };
};
