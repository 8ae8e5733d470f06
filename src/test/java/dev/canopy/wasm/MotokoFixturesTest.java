package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed Motoko fixtures (built by scripts/build-motoko-fixtures) are modules the engine
 * can install: wasm32 with classic persistence, importing only the System API, exporting the
 * methods their sources declare, with a public Candid interface.
 */
class MotokoFixturesTest {
  private static final Path SOURCE_DIR = Path.of("src", "test", "motoko");
  private static final String RESOURCE_DIR = "/motoko/";

  /** Wasm binary section id of the memory section (Wasm core spec, 5.5.8). */
  private static final int MEMORY_SECTION_ID = 5;

  /** Limits flag bit that marks a 64-bit memory (memory64 proposal). */
  private static final int MEMORY64_FLAG = 0x04;

  /** What each canister's source declares: method name to "update" or "query". */
  private static final Map<String, Map<String, String>> PUBLIC_METHODS =
      Map.of(
          "counter", Map.of("inc", "update", "set", "update", "get", "query"),
          "counter_with_init", Map.of("inc", "update", "set", "update", "get", "query"),
          "caller",
              Map.of("callInc", "update", "trap", "update", "reject", "update",
                  "callFailing", "update"),
          "stable_store",
              Map.of("put", "update", "get", "query", "size", "query", "putCount", "query",
                  "version", "query"),
          "stable_store_v2",
              Map.of("put", "update", "get", "query", "size", "query", "putCount", "query",
                  "version", "query", "keys", "query"),
          "http", Map.of("http_request", "query"),
          "timer",
              Map.of("get", "query", "oneShots", "query", "setOneShot", "update",
                  "stopRecurring", "update"));

  /** Exports that the IC calls without a method name (interface spec, "Entry points"). */
  private static final Set<String> SYSTEM_ENTRY_POINTS =
      Set.of(
          "canister_init",
          "canister_pre_upgrade",
          "canister_post_upgrade",
          "canister_inspect_message",
          "canister_heartbeat",
          "canister_global_timer",
          "canister_on_low_wasm_memory");

  private static final List<String> METHOD_EXPORT_PREFIXES =
      List.of("canister_update ", "canister_query ", "canister_composite_query ");

  static Stream<String> fixtures() {
    return PUBLIC_METHODS.keySet().stream().sorted();
  }

  @Test
  void everyMotokoSourceHasABuiltModuleAndEveryModuleIsChecked() throws IOException {
    Set<String> sources = new TreeSet<>();
    try (Stream<Path> files = Files.list(SOURCE_DIR)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".mo"))
          .forEach(n -> sources.add(n.substring(0, n.length() - ".mo".length())));
    }
    assertThat(sources).isEqualTo(new TreeSet<>(PUBLIC_METHODS.keySet()));
    for (String name : sources) {
      assertThat(MotokoFixturesTest.class.getResource(RESOURCE_DIR + name + ".wasm"))
          .as("%s.wasm; run scripts/build-motoko-fixtures", name)
          .isNotNull();
      assertThat(MotokoFixturesTest.class.getResource(RESOURCE_DIR + name + ".did"))
          .as("%s.did; run scripts/build-motoko-fixtures", name)
          .isNotNull();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void importsOnlyFunctionsFromTheSystemApi(String name) {
    WasmModule module = Parser.parse(resource(name + ".wasm"));
    List<Import> imports = module.importSection().stream().toList();

    assertThat(imports).isNotEmpty();
    assertThat(imports).allSatisfy(i -> assertThat(i.module()).isEqualTo("ic0"));
    assertThat(imports)
        .allSatisfy(i -> assertThat(i.importType()).isEqualTo(ExternalType.FUNCTION));
    assertThat(imports).extracting(Import::name).contains("msg_reply", "msg_arg_data_copy");
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void definesOneWasm32MemoryWithClassicPersistence(String name) {
    byte[] wasm = resource(name + ".wasm");
    WasmModule module = Parser.parse(wasm);

    assertThat(module.memorySection()).isPresent();
    assertThat(module.memorySection().get().memoryCount()).isEqualTo(1);
    // Chicory 1.7.5 rejects memory64 limits while parsing; read the flag too, so this check does
    // not rest on that.
    assertThat(memoryLimitsFlags(wasm) & MEMORY64_FLAG).as("memory64 flag").isZero();
    // moc marks modules built for enhanced orthogonal persistence with this custom section.
    assertThat(module.customSections())
        .extracting(CustomSection::name)
        .noneMatch(n -> n.contains("enhanced-orthogonal-persistence"));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void exportsTheDeclaredMethodsAndOnlyEntryPointsTheInterfaceDefines(String name) {
    WasmModule module = Parser.parse(resource(name + ".wasm"));
    Map<String, String> methods = new TreeMap<>();
    List<String> systemEntryPoints = new ArrayList<>();
    for (int i = 0; i < module.exportSection().exportCount(); i++) {
      Export export = module.exportSection().getExport(i);
      if (export.exportType() != ExternalType.FUNCTION) {
        continue;
      }
      String exportName = export.name();
      if (SYSTEM_ENTRY_POINTS.contains(exportName)) {
        systemEntryPoints.add(exportName);
        continue;
      }
      String prefix =
          METHOD_EXPORT_PREFIXES.stream().filter(exportName::startsWith).findFirst().orElse(null);
      assertThat(prefix).as("export %s is an IC entry point", exportName).isNotNull();
      String method = exportName.substring(prefix.length());
      String kind = prefix.substring("canister_".length()).trim();
      // Note: the interface spec forbids exporting one method name under two kinds.
      assertThat(methods.put(method, kind)).as("%s exported twice", method).isNull();
    }
    // moc adds its own helpers (__motoko_gc_trigger, ...); the rest is what the source declares.
    methods.keySet().removeIf(m -> m.startsWith("__motoko_"));

    assertThat(methods).isEqualTo(new TreeMap<>(PUBLIC_METHODS.get(name)));
    assertThat(systemEntryPoints)
        .contains("canister_init", "canister_pre_upgrade", "canister_post_upgrade",
            "canister_global_timer");
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void carriesItsCandidServiceAndInitArgumentsPublicly(String name) {
    WasmModule module = Parser.parse(resource(name + ".wasm"));
    String service = customSectionText(module, "icp:public candid:service");
    String args = customSectionText(module, "icp:public candid:args");
    String did = new String(resource(name + ".did"), StandardCharsets.UTF_8);
    String expectedArgs = name.equals("counter_with_init") ? "(initial:nat)" : "()";

    assertThat(service).contains("service : {");
    PUBLIC_METHODS.get(name).keySet().forEach(m -> assertThat(service).contains(m + ":"));
    assertThat(args.replaceAll("\\s", "")).isEqualTo(expectedArgs);
    if (expectedArgs.equals("()")) {
      assertThat(service).isEqualTo(did);
    } else {
      // Note: for an actor class the section holds the service after init; the .did file holds
      // the class, `service : (<init args>) -> <service>`.
      assertThat(did.replaceAll("\\s", "")).contains("service:" + expectedArgs + "->");
    }
  }

  private static String customSectionText(WasmModule module, String sectionName) {
    CustomSection section = module.customSection(sectionName);
    assertThat(section)
        .as("custom section %s", sectionName)
        .isInstanceOf(UnknownCustomSection.class);
    return new String(((UnknownCustomSection) section).bytes(), StandardCharsets.UTF_8);
  }

  /**
   * The limits flags byte of the first memory in the memory section: a minimal walk of the
   * section headers (id byte, LEB128 size) of a module that Chicory has already parsed.
   */
  private static int memoryLimitsFlags(byte[] wasm) {
    int[] pos = {8}; // magic and version
    while (pos[0] < wasm.length) {
      int id = wasm[pos[0]++] & 0xff;
      int size = (int) readUnsignedLeb(wasm, pos);
      if (id == MEMORY_SECTION_ID) {
        readUnsignedLeb(wasm, pos); // memory count
        return wasm[pos[0]] & 0xff;
      }
      pos[0] += size;
    }
    throw new AssertionError("no memory section");
  }

  private static long readUnsignedLeb(byte[] bytes, int[] pos) {
    long result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = bytes[pos[0]++] & 0xff;
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new AssertionError("LEB128 longer than 5 bytes");
  }

  private static byte[] resource(String fileName) {
    try (InputStream in = MotokoFixturesTest.class.getResourceAsStream(RESOURCE_DIR + fileName)) {
      assertThat(in).as("%s; run scripts/build-motoko-fixtures", fileName).isNotNull();
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
