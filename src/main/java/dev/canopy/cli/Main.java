package dev.canopy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code canopy} command line. */
@Command(
    name = "canopy",
    mixinStandardHelpOptions = true,
    description = "An Internet Computer replica.",
    subcommands = {StartCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
