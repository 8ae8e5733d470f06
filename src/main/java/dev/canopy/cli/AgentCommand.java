package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.types.Principal;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/** A command that talks to a node: {@code --network}, {@code --identity}, and the project file. */
abstract class AgentCommand {
  @Mixin NetworkOptions network;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private Agent agent;

  CliEnvironment env() {
    return Main.environment(spec);
  }

  String url() {
    return network.url(env());
  }

  Agent agent() {
    if (agent == null) {
      agent = network.agent(env());
    }
    return agent;
  }

  ProjectFile project() {
    return ProjectFile.load(env().workingDir());
  }

  Principal canister(String nameOrId) {
    return project().resolve(url(), nameOrId);
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
