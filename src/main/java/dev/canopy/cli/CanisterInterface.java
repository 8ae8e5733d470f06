package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.candid.DidFile;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** A canister's Candid interface, from the {@code candid:service} metadata it publishes. */
final class CanisterInterface {
  static final String METADATA = "candid:service";

  private CanisterInterface() {}

  /** The parsed {@code candid:service} section; empty if the module has none. */
  static Optional<DidFile> read(Agent agent, Principal canister) {
    return agent.canisterMetadata(canister, METADATA).map(b -> parse(b, "canister " + canister));
  }

  static DidFile parse(byte[] text, String whose) {
    try {
      return DidFile.parse(new String(text, StandardCharsets.UTF_8));
    } catch (InvalidInputException e) {
      throw new InvalidInputException(
          "the candid:service metadata of " + whose + " is not a valid Candid interface: "
              + e.getMessage());
    }
  }
}
