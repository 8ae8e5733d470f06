// Timers: a recurring one-second timer set when the actor body runs (at install and again after
// every upgrade, since timers do not survive one), and one-shot timers set on request.
import Timer "mo:core/Timer";

persistent actor TimerCanister {
  var ticks : Nat = 0;
  var oneShotsFired : Nat = 0;

  func tick() : async () {
    ticks += 1;
  };

  transient let recurringTimerId : Timer.TimerId = Timer.recurringTimer<system>(#seconds 1, tick);

  /// Ticks of the recurring timer so far.
  public query func get() : async Nat {
    ticks;
  };

  /// Sets a one-shot timer `delaySeconds` from now; returns its id.
  public func setOneShot(delaySeconds : Nat) : async Nat {
    Timer.setTimer<system>(#seconds delaySeconds, func() : async () { oneShotsFired += 1 });
  };

  public query func oneShots() : async Nat {
    oneShotsFired;
  };

  public func stopRecurring() : async () {
    Timer.cancelTimer(recurringTimerId);
  };
};
