package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.agent.Identity;
import dev.canopy.agent.IdentityStore;
import picocli.CommandLine.Option;

/** {@code --network} and {@code --identity}: which node to talk to and who signs. */
final class NetworkOptions {
  static final String DEFAULT_URL = "http://127.0.0.1:4943";

  @Option(
      names = "--network",
      paramLabel = "URL",
      description = "URL of the node (default: $CANOPY_NETWORK, else " + DEFAULT_URL + ").")
  String network;

  @Option(
      names = "--identity",
      paramLabel = "NAME",
      description = "Identity that signs (default: the one chosen with canopy identity use).")
  String identity;

  String url(CliEnvironment env) {
    String url = network != null ? network : env.get("CANOPY_NETWORK");
    if (url == null || url.isBlank() || url.equals("local")) {
      url = DEFAULT_URL;
    }
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  Identity identity(CliEnvironment env) {
    IdentityStore store = IdentityStore.forUser(env.env());
    return identity != null ? store.load(identity) : store.loadDefault();
  }

  /**
   * An agent for the node, trusting the root key it publishes. Note: that is right for a local
   * development node only; a remote network's root key would have to be configured.
   */
  Agent agent(CliEnvironment env) {
    return Agent.builder().withUrl(url(env)).withIdentity(identity(env)).fetchRootKey().build();
  }
}
