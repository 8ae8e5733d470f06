package dev.canopy.cli;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidPrinter;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.candid.DidFile;
import dev.canopy.types.CanopyException;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code canopy canister status|stop|start|delete|logs|top-up|info <canister>}. */
@Command(
    name = "canister",
    mixinStandardHelpOptions = true,
    description = "Manage a canister through the management canister.",
    subcommands = {
      CanisterCommand.Status.class,
      CanisterCommand.Stop.class,
      CanisterCommand.Start.class,
      CanisterCommand.Delete.class,
      CanisterCommand.Logs.class,
      CanisterCommand.TopUp.class,
      CanisterCommand.Info.class
    })
final class CanisterCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a canister command is required (status, stop, start, delete, logs, top-up, info)");
  }

  abstract static class Base extends AgentCommand {
    @Parameters(index = "0", paramLabel = "CANISTER", description = "Name (from canopy.json) or id.")
    String canisterName;

    Principal id() {
      return canister(canisterName);
    }

    ManagementClient management() {
      return new ManagementClient(agent());
    }

    String label(Principal id) {
      return canisterName.equals(id.toText()) ? id.toText() : canisterName + " (" + id.toText() + ")";
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show status, controllers, module hash, memory and cycles (controllers only).")
  static final class Status extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      Principal id = id();
      CandidArgs result = management().canisterStatus(id);
      CandidValue r = result.get(0);
      CandidType.Record type = (CandidType.Record) ManagementClient.method("canister_status")
          .results().get(0).resolve();
      CandidType statusType = null;
      for (CandidType.Field f : type.fields()) {
        if ("status".equals(f.name())) {
          statusType = f.type();
        }
      }
      PrintWriter out = out();
      out.printf("Canister %s%n", label(id));
      out.printf("  status:       %s%n",
          ManagementClient.variantName(ManagementClient.field(r, "status"), statusType));
      List<String> controllers = new ArrayList<>();
      CandidValue settings = ManagementClient.field(r, "settings");
      for (CandidValue c : ((CandidValue.Vec) ManagementClient.field(settings, "controllers")).elements()) {
        controllers.add(ManagementClient.principal(c).toText());
      }
      out.printf("  controllers:  %s%n", String.join(", ", controllers));
      Optional<CandidValue> hash = ManagementClient.opt(ManagementClient.field(r, "module_hash"));
      out.printf("  module hash:  %s%n",
          hash.map(h -> "0x" + Hex.encode(ManagementClient.blob(h))).orElse("none (empty canister)"));
      out.printf("  memory:       %s bytes%n", ManagementClient.nat(ManagementClient.field(r, "memory_size")));
      out.printf("  cycles:       %s%n", ManagementClient.nat(ManagementClient.field(r, "cycles")));
      out.printf("  idle burn:    %s cycles/day%n",
          ManagementClient.nat(ManagementClient.field(r, "idle_cycles_burned_per_day")));
      out.printf("  freezing:     %s s%n",
          ManagementClient.nat(ManagementClient.field(settings, "freezing_threshold")));
      out.flush();
      return 0;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a canister.")
  static final class Stop extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      Principal id = id();
      management().stopCanister(id);
      out().printf("Stopped %s.%n", label(id));
      out().flush();
      return 0;
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a canister.")
  static final class Start extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      Principal id = id();
      management().startCanister(id);
      out().printf("Started %s.%n", label(id));
      out().flush();
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a stopped canister (and forget its name).")
  static final class Delete extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      Principal id = id();
      management().deleteCanister(id);
      ProjectFile project = project();
      project.nameOf(url(), id).ifPresent(n -> {
        project.remove(url(), n);
        project.save();
      });
      out().printf("Deleted %s.%n", label(id));
      out().flush();
      return 0;
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true,
      description = "Print the canister's log (ic0.debug_print and traps).")
  static final class Logs extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      CandidArgs result = management().fetchLogs(id());
      CandidValue records = ManagementClient.field(result.get(0), "canister_log_records");
      PrintWriter out = out();
      List<CandidValue> entries = ((CandidValue.Vec) records).elements();
      if (entries.isEmpty()) {
        out.println("(the log is empty)");
      }
      for (CandidValue e : entries) {
        BigInteger idx = ManagementClient.nat(ManagementClient.field(e, "idx"));
        BigInteger ts = ManagementClient.nat(ManagementClient.field(e, "timestamp_nanos"));
        String content = new String(ManagementClient.blob(ManagementClient.field(e, "content")),
            StandardCharsets.UTF_8);
        Instant at = Instant.ofEpochSecond(0, ts.longValue());
        out.printf("[%s. %s]: %s%n", idx, at, content);
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "top-up", mixinStandardHelpOptions = true,
      description = "Add cycles to a canister (development nodes).")
  static final class TopUp extends Base implements Callable<Integer> {
    @Parameters(index = "1", paramLabel = "CYCLES") BigInteger cycles;

    @Override
    public Integer call() {
      if (cycles.signum() <= 0) {
        throw new CanopyException("the number of cycles must be positive, got " + cycles);
      }
      Principal id = id();
      management().topUp(id, cycles);
      out().printf("Added %s cycles to %s.%n", cycles, label(id));
      out().flush();
      return 0;
    }
  }

  @Command(name = "info", mixinStandardHelpOptions = true,
      description = "Show certified facts anyone can read: controllers, module hash, interface.")
  static final class Info extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      Principal id = id();
      var agent = agent();
      Optional<List<Principal>> controllers = agent.controllers(id);
      if (controllers.isEmpty()) {
        throw new CanopyException("canister " + label(id) + " does not exist on " + url()
            + "; deploy it with: canopy deploy <wasm> --name " + canisterName);
      }
      PrintWriter out = out();
      out.printf("Canister %s%n", label(id));
      List<String> names = new ArrayList<>();
      controllers.get().forEach(p -> names.add(p.toText()));
      out.printf("  controllers:  %s%n", String.join(", ", names));
      Optional<byte[]> hash = agent.moduleHash(id);
      out.printf("  module hash:  %s%n",
          hash.map(h -> "0x" + Hex.encode(h)).orElse("none (empty canister)"));
      Optional<DidFile> did = hash.isPresent() ? CanisterInterface.read(agent, id) : Optional.empty();
      if (did.isPresent()) {
        out.println("  interface:");
        for (CandidType.Method m : did.get().serviceType().methods()) {
          String type = CandidPrinter.type(m.type());
          out.printf("    %s : %s%n", m.name(), type.startsWith("func ") ? type.substring(5) : type);
        }
      } else if (hash.isPresent()) {
        out.println("  interface:    not published (no candid:service metadata)");
      }
      out.flush();
      return 0;
    }
  }
}
