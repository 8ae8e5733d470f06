package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.agent.AgentProtocolException;
import dev.canopy.agent.NodeStatus;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code canopy status}: the node's health, height and subnet, and this project's canisters. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show the node's health, certified height, subnet and this project's canisters.")
final class StatusCommand extends AgentCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    Agent agent = agent();
    NodeStatus status = agent.status();
    PrintWriter out = out();
    out.printf("Node:      %s (%s)%n", url(), status.replicaHealthStatus().orElse("health unknown"));
    out.printf("Version:   %s%n", status.implVersion().orElse("unknown"));
    out.printf("Height:    %s%n", status.certifiedHeight().isPresent()
        ? status.certifiedHeight().getAsLong() + " (certified)" : "no certified state yet");
    if (status.rootKeyDer().isPresent()) {
      out.printf("Subnet:    %s%n", Principal.selfAuthenticating(status.rootKeyDer().get()).toText());
    }
    Map<String, String> canisters = project().sortedCanisters(url());
    if (canisters.isEmpty()) {
      out.println("Canisters: none deployed from here yet (canopy deploy <wasm>)");
    } else {
      out.println("Canisters (" + ProjectFile.FILE_NAME + "):");
      canisters.forEach((name, id) -> out.printf("  %-16s %s  %s%n", name, id, describe(agent, id)));
    }
    out.flush();
    return 0;
  }

  private static String describe(Agent agent, String id) {
    try {
      Principal p = Principal.fromText(id);
      if (agent.controllers(p).isEmpty()) {
        return "not on this node";
      }
      Optional<byte[]> hash = agent.moduleHash(p);
      return hash.map(h -> "module 0x" + Hex.encode(h).substring(0, 16) + "…").orElse("empty");
    } catch (AgentProtocolException | dev.canopy.agent.AgentTransportException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}
