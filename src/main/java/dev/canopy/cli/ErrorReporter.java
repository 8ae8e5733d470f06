package dev.canopy.cli;

import dev.canopy.agent.AgentReject;
import dev.canopy.types.CanopyException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Turns the failures a person can act on into a message on stderr and exit status 1: what
 * happened, then what to do next. Anything else is a bug and keeps its stack trace.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {
  static final int EXIT_FAILED = 1;

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) throws Exception {
    if (!(ex instanceof CanopyException)) {
      throw ex;
    }
    PrintWriter err = commandLine.getErr();
    if (ex instanceof AgentReject r) {
      err.println(describe(r));
    } else {
      err.println("canopy: " + ex.getMessage());
    }
    err.flush();
    return EXIT_FAILED;
  }

  static String describe(AgentReject r) {
    StringBuilder s = new StringBuilder("canopy: the call was rejected\n");
    s.append("  reject code: ").append(r.rejectCode()).append(" (").append(r.rejectCodeName())
        .append(")\n");
    s.append("  error code:  ").append(r.errorCode().orElse("none")).append('\n');
    s.append("  message:     ").append(r.rejectMessage());
    hint(r).ifPresent(h -> s.append('\n').append(h));
    return s.toString();
  }

  private static java.util.Optional<String> hint(AgentReject r) {
    String code = r.errorCode().orElse("");
    String hint = switch (code) {
      case "IC0301" -> "The canister does not exist on this node; check the id, or deploy it with:"
          + " canopy deploy <wasm> --name <name>";
      case "IC0536", "IC0513" -> "The canister has no such method; list its methods with:"
          + " canopy canister info <canister>";
      case "IC0537" -> "The canister has no code; install it with: canopy deploy <wasm>";
      case "IC0508", "IC0509" -> "The canister is stopped or stopping; start it with:"
          + " canopy canister start <canister>";
      case "IC0510" -> "Stop the canister first: canopy canister stop <canister>";
      case "IC0512" -> "Only a controller may do this; use the identity that deployed the"
          + " canister (canopy identity use <name>, or --identity <name>)";
      case "IC0207" -> "The canister is out of cycles; add some with:"
          + " canopy canister top-up <canister> <cycles>";
      default -> null;
    };
    return java.util.Optional.ofNullable(hint == null ? null : "hint: " + hint);
  }
}
