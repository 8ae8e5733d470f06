package dev.canopy.cli;

import dev.canopy.agent.IdentityStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code canopy identity new|list|use|whoami|import}. */
@Command(
    name = "identity",
    mixinStandardHelpOptions = true,
    description = "Manage the identities (keys) that sign requests.",
    subcommands = {
      IdentityCommand.New.class,
      IdentityCommand.ListIdentities.class,
      IdentityCommand.Use.class,
      IdentityCommand.Whoami.class,
      IdentityCommand.Import.class
    })
final class IdentityCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "an identity command is required (new, list, use, whoami, import)");
  }

  abstract static class Base {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    IdentityStore store() {
      return IdentityStore.forUser(Main.environment(spec).env());
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }
  }

  @Command(name = "new", mixinStandardHelpOptions = true, description = "Create an identity.")
  static final class New extends Base implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "ed25519",
        description = "Key type: ed25519 (default) or secp256k1.")
    String type;

    @Override
    public Integer call() {
      IdentityStore.KeyType keyType = switch (type.toLowerCase(java.util.Locale.ROOT)) {
        case "ed25519" -> IdentityStore.KeyType.ED25519;
        case "secp256k1" -> IdentityStore.KeyType.SECP256K1;
        default -> throw new CommandLine.ParameterException(
            spec.commandLine(), "--type is ed25519 or secp256k1, not " + type);
      };
      var e = store().create(name, keyType);
      out().printf("Created identity \"%s\" (%s): %s%nUse it with: canopy identity use %s%n",
          e.name(), e.algorithm(), e.principal().toText(), e.name());
      out().flush();
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the identities.")
  static final class ListIdentities extends Base implements Callable<Integer> {
    @Override
    public Integer call() {
      for (var e : store().list()) {
        out().printf("%s %-20s %s%n", e.isDefault() ? "*" : " ", e.name(), e.principal().toText());
      }
      out().flush();
      return 0;
    }
  }

  @Command(name = "use", mixinStandardHelpOptions = true,
      description = "Make an identity the default.")
  static final class Use extends Base implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      store().use(name);
      out().printf("Using identity \"%s\".%n", name);
      out().flush();
      return 0;
    }
  }

  @Command(name = "whoami", mixinStandardHelpOptions = true,
      description = "Print the default identity's principal.")
  static final class Whoami extends Base implements Callable<Integer> {
    @Option(names = "--identity", paramLabel = "NAME", description = "Another identity than the default.")
    String identity;

    @Override
    public Integer call() {
      IdentityStore store = store();
      String name = identity != null ? identity : store.defaultName();
      out().println(store.load(name).sender().toText());
      out().flush();
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Import a PEM private key (Ed25519 or secp256k1, as dfx writes them).")
  static final class Import extends Base implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "PEM_FILE") Path pemFile;

    @Override
    public Integer call() {
      Path file = pemFile.isAbsolute() ? pemFile : Main.environment(spec).workingDir().resolve(pemFile);
      var e = store().importPem(name, file);
      out().printf("Imported identity \"%s\" (%s): %s%n", e.name(), e.algorithm(),
          e.principal().toText());
      out().flush();
      return 0;
    }
  }
}
