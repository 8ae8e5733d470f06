// The upgrade of stable_store.mo: same stable variables, version 2, and one more method.
import Map "mo:core/Map";
import Text "mo:core/Text";
import Iter "mo:core/Iter";

persistent actor StableStore {
  // Note: `transient`, so the value comes from the running module; a stable `let` would keep the
  // value of the first installed module across upgrades.
  transient let moduleVersion : Nat = 2;

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

  public query func putCount() : async Nat {
    puts;
  };

  public query func version() : async Nat {
    moduleVersion;
  };

  /// New in version 2: the keys in ascending order.
  public query func keys() : async [Text] {
    Iter.toArray(Map.keys(entries));
  };
};
