package dev.canopy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code canopy} command line. */
@Command(
    name = "canopy",
    mixinStandardHelpOptions = true,
    description = "An Internet Computer replica, and the commands to use it.",
    subcommands = {
      StartCommand.class,
      StopCommand.class,
      StatusCommand.class,
      IdentityCommand.class,
      DeployCommand.class,
      CallCommand.class,
      CanisterCommand.class
    })
public final class Main implements Runnable {
  private final CliEnvironment environment;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public Main() {
    this(CliEnvironment.system());
  }

  Main(CliEnvironment environment) {
    this.environment = environment;
  }

  public static void main(String[] args) {
    System.exit(commandLine(CliEnvironment.system()).execute(args));
  }

  /** The command line with the error reporting every command shares. */
  static CommandLine commandLine(CliEnvironment environment) {
    CommandLine cl = new CommandLine(new Main(environment));
    cl.setExecutionExceptionHandler(new ErrorReporter());
    return cl;
  }

  /** The environment of the command line that {@code spec} belongs to. */
  static CliEnvironment environment(CommandLine.Model.CommandSpec spec) {
    return ((Main) spec.root().userObject()).environment;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
