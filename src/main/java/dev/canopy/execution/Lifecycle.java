package dev.canopy.execution;

import dev.canopy.types.CanisterId;
import dev.canopy.types.RejectCode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Status and code changes that settle open calls; used by the management canister and the round
 * executor.
 */
public final class Lifecycle {
  /** The Candid encoding of {@code ()}: the reply of stop_canister and friends. */
  public static final byte[] EMPTY_CANDID_REPLY = {'D', 'I', 'D', 'L', 0, 0};

  private Lifecycle() {}

  /** A new state and the answers the change produced. */
  public record Change(ReplicatedState state, List<OriginResponse> responses) {
    public Change {
      responses = List.copyOf(responses);
    }
  }

  /**
   * If the canister is stopping and has no open call contexts, makes it stopped and answers its
   * pending stop_canister calls (spec "IC method stop_canister"); otherwise changes nothing.
   */
  public static Change completeStopIfIdle(ReplicatedState state, CanisterId id) {
    Optional<Canister> c = state.canister(id);
    if (c.isEmpty() || !(c.get().system().status() instanceof RunStatus.Stopping stopping)
        || c.get().system().callContexts().hasOpenContexts()) {
      return new Change(state, List.of());
    }
    List<OriginResponse> answers = new ArrayList<>();
    for (RunStatus.PendingStop p : stopping.pendingStops()) {
      answers.add(new OriginResponse(p.origin(), CanisterId.MANAGEMENT.principal(),
          CallOutcome.reply(EMPTY_CANDID_REPLY), p.cycles()));
    }
    Canister stopped = c.get().withSystem(c.get().system().withStatus(RunStatus.STOPPED));
    return new Change(state.withCanister(stopped), answers);
  }

  /**
   * Empties a canister (spec "IC method uninstall_code"): rejects every call it has not answered
   * and every request still queued for it, marks its call contexts deleted (their outstanding
   * calls' responses will only refund cycles), credits the refunds of queued responses, and drops
   * code, memories, certified data and timer. Cycles, controllers, history and status stay; the
   * caller records the history entry and bumps the version.
   */
  public static Change uninstall(ReplicatedState state, CanisterId id) {
    Canister c = state.canister(id).orElseThrow(
        () -> new IllegalArgumentException("no canister " + id));
    SystemState s = c.system();
    List<OriginResponse> answers = new ArrayList<>();
    CallOutcome uninstalled = new CallOutcome.Reject(RejectCode.CANISTER_REJECT,
        "Canister " + id + " has been uninstalled.", Optional.empty());
    CallContextManager ccm = s.callContexts();
    for (CallContext ctx : ccm.contexts().values()) {
      if (ctx.needsToRespond() && !ctx.deleted()) {
        answers.add(new OriginResponse(ctx.origin(), id.principal(), uninstalled,
            ctx.availableCycles()));
      }
    }
    ccm = ccm.withAllContextsDeleted();
    for (CallContext ctx : ccm.contexts().values()) {
      if (ccm.outstandingCalls(ctx.id()) == 0) {
        ccm = ccm.withoutContext(ctx.id());
      }
    }
    BigInteger credit = BigInteger.ZERO;
    for (Map.Entry<dev.canopy.types.Principal, CanisterMessage> e : s.inputQueues().drain()) {
      CanisterMessage m = e.getValue();
      if (m instanceof CanisterMessage.Request r) {
        answers.add(new OriginResponse(new CallOrigin.Canister(r.sender(), r.senderCallbackId()),
            id.principal(), uninstalled, r.cycles()));
      } else if (m instanceof CanisterMessage.Ingress in) {
        answers.add(new OriginResponse(
            new CallOrigin.Ingress(in.message().requestId(), in.message().sender()),
            id.principal(), uninstalled, BigInteger.ZERO));
      } else if (m instanceof CanisterMessage.Response r) {
        Optional<OutstandingCall> cb = ccm.callback(r.originatorCallbackId());
        credit = credit.add(r.refundCycles());
        if (cb.isPresent()) {
          credit = credit.add(cb.get().reservedCycles());
          long ctxId = cb.get().callContextId();
          ccm = ccm.withoutCallback(r.originatorCallbackId());
          if (ccm.context(ctxId).isPresent() && ccm.outstandingCalls(ctxId) == 0) {
            ccm = ccm.withoutContext(ctxId);
          }
        }
      }
    }
    SystemState next = s.withCallContexts(ccm).withInputQueues(InputQueues.EMPTY).credit(credit);
    return new Change(state.withCanister(new Canister(id, next, Optional.empty())), answers);
  }
}
