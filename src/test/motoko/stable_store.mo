// Stable state that must survive an upgrade: a Nat and a Text-to-Text map.
// stable_store_v2.mo is the upgrade of this module; keep the two compatible.
import Map "mo:core/Map";
import Text "mo:core/Text";

persistent actor StableStore {
  // Note: `transient`, so the value comes from the running module; a stable `let` would keep the
  // value of the first installed module across upgrades.
  transient let moduleVersion : Nat = 1;

  var puts : Nat = 0;
  let entries = Map.empty<Text, Text>();

  public func put(key : Text, value : Text) : async () {
    Map.add(entries, Text.compare, key, value);
    puts += 1;
  };

  public query func get(key : Text) : async ?Text {
    Map.get(entries, Text.compare, key);
  };

  public query func size() : async Nat {
    Map.size(entries);
  };

  /// How many times `put` ran, over the canister's whole life.
  public query func putCount() : async Nat {
    puts;
  };

  public query func version() : async Nat {
    moduleVersion;
  };
};
