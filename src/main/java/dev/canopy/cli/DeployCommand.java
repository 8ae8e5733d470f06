package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidPrinter;
import dev.canopy.candid.CandidText;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.DidFile;
import dev.canopy.candid.Subtyping;
import dev.canopy.types.CanopyException;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.ModuleLimits;
import dev.canopy.wasm.ModuleValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code canopy deploy <wasm>}: creates the canister the first time (and remembers its id in
 * {@code canopy.json}), installs the module, and upgrades it on later deploys, refusing an
 * interface change that would break clients unless {@code --force}.
 */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = "Create (first time) or upgrade a canister from a Wasm module.")
final class DeployCommand extends AgentCommand implements Callable<Integer> {
  static final long MAX_MODULE_BYTES = 100L * 1024 * 1024;

  @Parameters(index = "0", paramLabel = "WASM", description = "The module (.wasm or .wasm.gz).")
  Path wasmFile;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Name to remember the canister by (default: the file name).")
  String name;

  @Option(names = "--arg", paramLabel = "ARGS",
      description = "Init (or post-upgrade) arguments in Candid text, e.g. '(42)'.")
  String arg;

  @Option(names = "--force",
      description = "Upgrade even if the new interface would break the canister's clients.")
  boolean force;

  @Option(names = "--reinstall",
      description = "Install from scratch, discarding the canister's state.")
  boolean reinstall;

  @Option(names = "--cycles", paramLabel = "N", description = "Cycles for a new canister.")
  BigInteger cycles = ManagementClient.DEFAULT_CYCLES;

  @Override
  public Integer call() {
    PrintWriter out = out();
    byte[] wasm = readModule();
    CanisterModule module;
    try {
      module = new ModuleValidator(ModuleLimits.internetComputerDefaults()).validate(wasm);
    } catch (InvalidInputException e) {
      throw new CanopyException(wasmFile + " is not a canister module this node accepts: "
          + e.getMessage());
    }
    Optional<DidFile> newInterface = module.publicMetadata(CanisterInterface.METADATA)
        .map(b -> CanisterInterface.parse(b, wasmFile.toString()));
    String canisterName = name != null ? name : defaultName(wasmFile);
    Agent agent = agent();
    ManagementClient management = new ManagementClient(agent);
    ProjectFile project = project();
    String network = url();

    Optional<Principal> known = project.canister(network, canisterName);
    Principal canister;
    boolean created = false;
    if (known.isPresent() && agent.controllers(known.get()).isPresent()) {
      canister = known.get();
    } else {
      if (known.isPresent()) {
        out.printf("Canister %s (%s) is not on this node any more; creating a new one.%n",
            canisterName, known.get().toText());
      }
      canister = management.createCanister(effectiveCanisterIdForCreation(agent), cycles);
      project.put(network, canisterName, canister);
      project.save();
      created = true;
      out.printf("Created canister %s: %s%n", canisterName, canister.toText());
    }

    Optional<byte[]> installedHash = agent.moduleHash(canister);
    ManagementClient.InstallMode mode = reinstall
        ? ManagementClient.InstallMode.REINSTALL
        : installedHash.isPresent()
            ? ManagementClient.InstallMode.UPGRADE
            : ManagementClient.InstallMode.INSTALL;
    if (mode == ManagementClient.InstallMode.UPGRADE) {
      checkCompatibility(agent, canister, canisterName, newInterface);
    }
    byte[] initArg = initArgument(initTypes(module, newInterface));

    if (wasm.length > ManagementClient.MAX_DIRECT_INSTALL_BYTES) {
      int chunks = (wasm.length + ManagementClient.CHUNK_SIZE_BYTES - 1)
          / ManagementClient.CHUNK_SIZE_BYTES;
      PrintWriter err = err();
      management.installChunked(canister, mode, wasm, initArg, done -> {
        err.print("\r" + progressBar(done, chunks, wasm.length));
        err.flush();
      });
      err.println();
      err.flush();
    } else {
      management.installCode(canister, mode, wasm, initArg);
    }
    String verb = switch (mode) {
      case INSTALL -> "Installed";
      case REINSTALL -> "Reinstalled";
      case UPGRADE -> Arrays.equals(installedHash.orElse(null), Hashing.sha256(wasm))
          ? "Upgraded (same module)" : "Upgraded";
    };
    out.printf("%s %s (%d bytes, module hash 0x%s)%n", verb, canisterName, wasm.length,
        Hex.encode(Hashing.sha256(wasm)));
    out.printf("  canister id: %s%n", canister.toText());
    out.printf("  node:        %s%n", network);
    out.printf("  call it:     scripts/canopy call %s <method> '(…)'%n", canisterName);
    if (created) {
      out.printf("  remembered in %s%n", project.file());
    }
    out.flush();
    return 0;
  }

  private byte[] readModule() {
    Path file = wasmFile.isAbsolute() ? wasmFile : env().workingDir().resolve(wasmFile);
    try {
      long size = Files.size(file);
      if (size > MAX_MODULE_BYTES) {
        throw new CanopyException(file + " has " + size + " bytes; a module has at most "
            + MAX_MODULE_BYTES);
      }
      byte[] wasm = Files.readAllBytes(file);
      boolean isWasm = wasm.length >= 4 && wasm[0] == 0 && wasm[1] == 'a' && wasm[2] == 's'
          && wasm[3] == 'm';
      boolean isGzip = wasm.length >= 2 && (wasm[0] & 0xff) == 0x1f && (wasm[1] & 0xff) == 0x8b;
      if (!isWasm && !isGzip) {
        throw new CanopyException(file + " is not a WebAssembly module (no \\0asm header, not"
            + " gzip); build the canister first (for Motoko: moc --release -o x.wasm x.mo)");
      }
      return wasm;
    } catch (NoSuchFileException e) {
      throw new CanopyException("there is no file " + file);
    } catch (IOException e) {
      throw new CanopyException("cannot read " + file + ": " + e.getMessage());
    }
  }

  static String defaultName(Path wasm) {
    String n = wasm.getFileName().toString();
    for (String ext : List.of(".wasm.gz", ".wasm")) {
      if (n.endsWith(ext)) {
        return n.substring(0, n.length() - ext.length());
      }
    }
    return n;
  }

  /** Creation may go to any canister id of the node's subnet: the first of its ranges. */
  private static Principal effectiveCanisterIdForCreation(Agent agent) {
    SubnetId subnet = agent.rootSubnetId();
    List<Principal[]> ranges = agent.canisterRanges(subnet);
    if (ranges.isEmpty()) {
      throw new CanopyException("the node certifies no canister ranges for subnet " + subnet
          + ", so no canister can be created on it");
    }
    return ranges.get(0)[0];
  }

  private void checkCompatibility(
      Agent agent, Principal canister, String canisterName, Optional<DidFile> newInterface) {
    Optional<DidFile> installed = CanisterInterface.read(agent, canister);
    if (installed.isEmpty() || newInterface.isEmpty()) {
      return; // nothing to compare: neither side promises an interface
    }
    if (installed.get().acceptsUpgradeTo(newInterface.get())) {
      return;
    }
    List<String> breaks = explainBreaks(installed.get(), newInterface.get());
    String detail = String.join("\n  ", breaks);
    if (force) {
      err().println("canopy: warning: upgrading " + canisterName + " with --force although its"
          + " interface changes incompatibly:\n  " + detail);
      err().flush();
      return;
    }
    throw new CanopyException("the new module's interface would break clients of " + canisterName
        + " (" + canister.toText() + "):\n  " + detail + "\nKeep the old methods and types (add"
        + " only new methods, optional fields or variant cases), or deploy with --force to upgrade"
        + " anyway.");
  }

  /** Which methods of the installed interface the new one removes or changes incompatibly. */
  static List<String> explainBreaks(DidFile installed, DidFile upgraded) {
    List<String> out = new ArrayList<>();
    for (CandidType.Method m : installed.serviceType().methods()) {
      Optional<CandidType.Func> now = upgraded.method(m.name());
      CandidType before = m.type();
      if (now.isEmpty()) {
        out.add("method " + m.name() + " is removed (it was " + CandidPrinter.type(before) + ")");
      } else if (!Subtyping.isSubtype(now.get(), before.resolve())) {
        out.add("method " + m.name() + " changes from " + CandidPrinter.type(before.resolve())
            + " to " + CandidPrinter.type(now.get()));
      }
    }
    if (out.isEmpty()) {
      out.add("the service type " + CandidPrinter.type(upgraded.serviceType())
          + " is not a subtype of " + CandidPrinter.type(installed.serviceType()));
    }
    return out;
  }

  /**
   * The init argument types: from the service's own init arguments, else from the
   * {@code candid:args} metadata (Motoko publishes them there, not in {@code candid:service}).
   */
  private Optional<List<CandidType>> initTypes(CanisterModule module, Optional<DidFile> did) {
    Optional<List<CandidType>> fromService = did.flatMap(DidFile::initArgs);
    if (fromService.isPresent() && !fromService.get().isEmpty()) {
      return fromService;
    }
    Optional<byte[]> args = module.publicMetadata("candid:args");
    if (args.isEmpty()) {
      return fromService;
    }
    String tuple = new String(args.get(), java.nio.charset.StandardCharsets.UTF_8).strip();
    StringBuilder text = new StringBuilder();
    try {
      // The tuple may name types the service defines; parse it with those definitions.
      String defs = did.map(d -> {
        String printed = d.toString();
        int service = printed.lastIndexOf("service");
        return service < 0 ? printed : printed.substring(0, service);
      }).orElse("");
      text.append(defs).append("service : ").append(tuple).append(" -> {}");
      return DidFile.parse(text.toString()).initArgs();
    } catch (InvalidInputException e) {
      throw new CanopyException(wasmFile + " has candid:args metadata that is not a Candid argument"
          + " list (" + tuple + "): " + e.getMessage());
    }
  }

  private byte[] initArgument(Optional<List<CandidType>> types) {
    String text = arg == null ? "()" : arg;
    try {
      if (types.isPresent()) {
        return new CandidArgs(new ArrayList<>(types.get()),
            CandidText.parseArgs(text, types.get())).encode();
      }
      return CandidText.parseUntypedArgs(text).encode();
    } catch (InvalidInputException e) {
      String expected = types.map(CandidPrinter::tupleType).orElse("()");
      throw new CanopyException("the init argument " + text + " does not match the module's"
          + " init type: " + e.getMessage() + "; expected " + expected
          + (arg == null ? " (pass it with --arg '(…)')" : ""));
    }
  }

  static String progressBar(int done, int total, long bytes) {
    int width = 30;
    int filled = total == 0 ? width : done * width / total;
    return "Uploading [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/"
        + total + " chunks of " + String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
