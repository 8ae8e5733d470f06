// A counter with no init arguments: the smallest useful Motoko canister.
persistent actor Counter {
  var count : Nat = 0;

  public func inc() : async () {
    count += 1;
  };

  public func set(n : Nat) : async () {
    count := n;
  };

  public query func get() : async Nat {
    count
  };
};
