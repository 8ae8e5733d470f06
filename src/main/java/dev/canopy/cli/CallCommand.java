package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidPrinter;
import dev.canopy.candid.CandidText;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.candid.DidFile;
import dev.canopy.types.CanopyException;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code canopy call <canister> <method> ['(args)']}: Candid text in and out, typed by the
 * canister's {@code candid:service} metadata when it publishes one.
 */
@Command(
    name = "call",
    mixinStandardHelpOptions = true,
    description = "Call a canister method with Candid text arguments and print the reply.")
final class CallCommand extends AgentCommand implements Callable<Integer> {
  enum Output {
    candid,
    json,
    raw
  }

  @Parameters(index = "0", paramLabel = "CANISTER", description = "Name (from canopy.json) or id.")
  String canisterName;

  @Parameters(index = "1", paramLabel = "METHOD")
  String method;

  @Parameters(index = "2", paramLabel = "ARGS", defaultValue = "()",
      description = "Arguments in Candid text, e.g. '(42, \"hi\")' (default: ()).")
  String args;

  @Option(names = "--query", description = "Send as a query (default: as the interface says).")
  boolean query;

  @Option(names = "--update", description = "Send as an update call even to a query method.")
  boolean update;

  @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "candid",
      description = "candid (default), json or raw (hex of the Candid reply).")
  Output output;

  @Override
  public Integer call() {
    Principal canister = canister(canisterName);
    Agent agent = agent();
    Optional<DidFile> did = CanisterInterface.read(agent, canister);
    byte[] arg;
    List<CandidType> resultTypes = null;
    boolean asQuery = query;
    if (did.isPresent()) {
      CandidType.Func f = did.get().method(method).orElseThrow(() -> noSuchMethod(did.get(), canister));
      arg = typedArgument(f);
      resultTypes = f.results();
      if (!query && !update) {
        asQuery = f.modes().contains(CandidType.FuncMode.QUERY)
            || f.modes().contains(CandidType.FuncMode.COMPOSITE_QUERY);
      }
    } else {
      try {
        arg = CandidText.parseUntypedArgs(args).encode();
      } catch (InvalidInputException e) {
        throw new CanopyException("the arguments are not Candid text: " + e.getMessage()
            + "; write them as a tuple, e.g. '(42, \"text\")'");
      }
    }
    byte[] reply = asQuery ? agent.query(canister, method, arg) : agent.update(canister, method, arg);
    print(reply, resultTypes);
    return 0;
  }

  private byte[] typedArgument(CandidType.Func f) {
    try {
      List<CandidValue> values = CandidText.parseArgs(args, f.args());
      return new CandidArgs(new ArrayList<>(f.args()), values).encode();
    } catch (InvalidInputException e) {
      throw new CanopyException(
          "the argument " + args + " does not match the type of " + method + ": " + e.getMessage()
              + "; expected " + CandidPrinter.tupleType(f.args()) + ", for example "
              + example(f.args()));
    }
  }

  private static String example(List<CandidType> types) {
    if (types.isEmpty()) {
      return "()";
    }
    List<String> parts = new ArrayList<>();
    for (CandidType t : types) {
      CandidType r = t.resolve();
      parts.add(r == CandidType.Prim.TEXT ? "\"text\""
          : r == CandidType.Prim.BOOL ? "true"
          : r instanceof CandidType.Prim p && p.name().matches("(NAT|INT).*") ? "42"
          : r == CandidType.Prim.PRINCIPAL ? "principal \"aaaaa-aa\""
          : "(… : " + CandidPrinter.type(t) + ")");
    }
    return "'(" + String.join(", ", parts) + ")'";
  }

  private CanopyException noSuchMethod(DidFile did, Principal canister) {
    List<String> names = new ArrayList<>();
    for (CandidType.Method m : did.serviceType().methods()) {
      names.add(m.name());
    }
    return new CanopyException(
        "canister " + canisterName + " (" + canister.toText() + ") has no method \"" + method
            + "\"; its methods are: " + String.join(", ", names));
  }

  private void print(byte[] reply, List<CandidType> types) {
    if (output == Output.raw) {
      out().println(Hex.encode(reply));
      out().flush();
      return;
    }
    CandidArgs decoded;
    try {
      decoded = types == null ? CandidArgs.decode(reply) : CandidArgs.decode(reply, types);
    } catch (InvalidInputException e) {
      throw new CanopyException("the reply is not Candid of the method's result type ("
          + e.getMessage() + "); its bytes are " + Hex.encode(reply));
    }
    List<CandidType> shown = types == null ? decoded.types() : types;
    out().println(output == Output.json
        ? CandidJson.results(decoded.values(), shown)
        : CandidPrinter.args(decoded.values(), shown));
    out().flush();
  }
}
