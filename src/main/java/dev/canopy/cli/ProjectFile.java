package dev.canopy.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canopy.types.CanopyException;
import dev.canopy.types.Principal;
import dev.canopy.types.PrincipalFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code canopy.json} in the working directory: the canister ids that {@code canopy deploy} created,
 * by name, per network URL, so later commands can say {@code counter} instead of an id.
 *
 * <pre>{@code
 * { "networks": { "http://127.0.0.1:4943": { "counter": "lxzze-o7777-77777-aaaaa-cai" } } }
 * }</pre>
 */
final class ProjectFile {
  static final String FILE_NAME = "canopy.json";
  static final int MAX_SIZE_BYTES = 1024 * 1024;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path file;
  /** network URL → name → canister id text; sorted, so the file is stable. */
  private final TreeMap<String, TreeMap<String, String>> networks;

  private ProjectFile(Path file, TreeMap<String, TreeMap<String, String>> networks) {
    this.file = file;
    this.networks = networks;
  }

  static ProjectFile load(Path workingDir) {
    Path file = workingDir.resolve(FILE_NAME);
    TreeMap<String, TreeMap<String, String>> networks = new TreeMap<>();
    if (!Files.exists(file)) {
      return new ProjectFile(file, networks);
    }
    try {
      if (Files.size(file) > MAX_SIZE_BYTES) {
        throw new CanopyException(file + " is larger than " + MAX_SIZE_BYTES + " bytes");
      }
      JsonNode root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      JsonNode nets = root == null ? null : root.get("networks");
      if (nets != null && nets.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = nets.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> net = it.next();
          TreeMap<String, String> names = new TreeMap<>();
          for (Iterator<Map.Entry<String, JsonNode>> n = net.getValue().fields(); n.hasNext(); ) {
            Map.Entry<String, JsonNode> e = n.next();
            names.put(e.getKey(), e.getValue().asText());
          }
          networks.put(net.getKey(), names);
        }
      }
      return new ProjectFile(file, networks);
    } catch (JsonProcessingException e) {
      throw new CanopyException(
          file + " is not valid JSON (" + e.getOriginalMessage() + "); fix or delete it");
    } catch (IOException e) {
      throw new CanopyException("cannot read " + file + ": " + e.getMessage());
    }
  }

  Path file() {
    return file;
  }

  Optional<Principal> canister(String network, String name) {
    String id = networks.getOrDefault(network, new TreeMap<>()).get(name);
    return id == null ? Optional.empty() : Optional.of(Principal.fromText(id));
  }

  Map<String, String> canisters(String network) {
    return Map.copyOf(networks.getOrDefault(network, new TreeMap<>()));
  }

  TreeMap<String, String> sortedCanisters(String network) {
    return new TreeMap<>(networks.getOrDefault(network, new TreeMap<>()));
  }

  void put(String network, String name, Principal id) {
    networks.computeIfAbsent(network, k -> new TreeMap<>()).put(name, id.toText());
  }

  void remove(String network, String name) {
    TreeMap<String, String> names = networks.get(network);
    if (names != null) {
      names.remove(name);
    }
  }

  /** The name under which {@code id} is known on {@code network}, if any. */
  Optional<String> nameOf(String network, Principal id) {
    for (Map.Entry<String, String> e : networks.getOrDefault(network, new TreeMap<>()).entrySet()) {
      if (e.getValue().equals(id.toText())) {
        return Optional.of(e.getKey());
      }
    }
    return Optional.empty();
  }

  void save() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode nets = root.putObject("networks");
    networks.forEach((net, names) -> {
      ObjectNode n = nets.putObject(net);
      names.forEach(n::put);
    });
    Path tmp = file.resolveSibling("." + FILE_NAME + ".tmp");
    try {
      Files.writeString(tmp, JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new CanopyException("cannot write " + file + ": " + e.getMessage());
    }
  }

  /**
   * A canister given on the command line: a name from this file (for this network) or a
   * principal in text form.
   */
  Principal resolve(String network, String nameOrId) {
    Optional<Principal> named = canister(network, nameOrId);
    if (named.isPresent()) {
      return named.get();
    }
    try {
      return Principal.fromText(nameOrId);
    } catch (PrincipalFormatException e) {
      throw new CanopyException(
          "\"" + nameOrId + "\" is neither a canister name in " + file + " for " + network
              + " nor a canister id; deploy it with: canopy deploy <wasm> --name " + nameOrId
              + (networks.getOrDefault(network, new TreeMap<>()).isEmpty()
                  ? ""
                  : " (known names: " + String.join(", ", networks.get(network).keySet()) + ")"));
    }
  }
}
