// The counter as an actor class: its init argument (the starting value) arrives in the install
// message's argument, so `candid:args` is `(nat)`.
persistent actor class CounterWithInit(initial : Nat) {
  var count : Nat = initial;

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
