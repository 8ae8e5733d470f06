package dev.canopy.wasm;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import dev.canopy.types.Hashing;
import dev.canopy.wasm.InvalidModuleException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * Checks a module against the spec's "WebAssembly module requirements" and "Canister module
 * format" and makes a {@link CanisterModule}. Pure: bytes in, module or typed error out.
 */
public final class ModuleValidator {
  /** The hooks a canister may export, all of type {@code () -> ()}. */
  static final Set<String> HOOKS =
      Set.of(
          "canister_init",
          "canister_pre_upgrade",
          "canister_post_upgrade",
          "canister_inspect_message",
          "canister_heartbeat",
          "canister_global_timer",
          "canister_on_low_wasm_memory");

  private static final String PUBLIC_PREFIX = "icp:public ";
  private static final String PRIVATE_PREFIX = "icp:private ";

  private final ModuleLimits limits;

  public ModuleValidator(ModuleLimits limits) {
    this.limits = limits;
  }

  /** Validates a module as uploaded: raw Wasm, or gzip of it (first bytes {@code 1f 8b 08}). */
  public CanisterModule validate(byte[] uploaded) {
    return validate(uploaded, Hashing.sha256(uploaded));
  }

  /**
   * Validates a module restored from a checkpoint: {@code wasm} is the decompressed binary and
   * {@code moduleHash} the hash of what was uploaded then.
   */
  public CanisterModule validateRestored(byte[] wasm, byte[] moduleHash) {
    if (moduleHash.length != 32) {
      throw new InvalidModuleException(Reason.MALFORMED, "a module hash has 32 bytes");
    }
    if (isGzip(wasm)) {
      throw new InvalidModuleException(Reason.MALFORMED, "a restored module is not compressed");
    }
    return validate(wasm, moduleHash);
  }

  private CanisterModule validate(byte[] uploaded, byte[] moduleHash) {
    byte[] wasm = isGzip(uploaded) ? gunzip(uploaded) : uploaded.clone();
    if (wasm.length > limits.maxModuleBytes()) {
      throw new InvalidModuleException(
          Reason.TOO_LARGE,
          "the module has " + wasm.length + " bytes, more than " + limits.maxModuleBytes());
    }
    WasmBinary binary = WasmBinary.read(wasm);
    checkMemories(binary);

    SortedMap<String, byte[]> publicSections = new TreeMap<>();
    SortedMap<String, byte[]> privateSections = new TreeMap<>();
    readCustomSections(binary, publicSections, privateSections);

    WasmModule parsed = parse(binary.withStubFunctionBodies());
    checkImports(parsed);
    int functions = parsed.importSection().count(ExternalType.FUNCTION)
        + parsed.functionSection().functionCount();
    if (functions > limits.maxFunctions()) {
      throw new InvalidModuleException(
          Reason.TOO_LARGE, functions + " functions, more than " + limits.maxFunctions());
    }
    int globals = parsed.globalSection().globalCount();
    if (globals > limits.maxGlobals()) {
      throw new InvalidModuleException(
          Reason.TOO_LARGE, globals + " globals, more than " + limits.maxGlobals());
    }

    SortedSet<String> updates = new TreeSet<>();
    SortedSet<String> queries = new TreeSet<>();
    SortedSet<String> compositeQueries = new TreeSet<>();
    SortedSet<String> hooks = new TreeSet<>();
    checkExports(parsed, updates, queries, compositeQueries, hooks);

    return new CanisterModule(
        moduleHash,
        wasm,
        updates,
        queries,
        compositeQueries,
        hooks,
        publicSections,
        privateSections,
        binary.startFunction());
  }

  static boolean isGzip(byte[] b) {
    return b.length >= 3 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b && b[2] == 0x08;
  }

  private byte[] gunzip(byte[] gz) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(gz.length * 4);
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > limits.maxModuleBytes()) {
          throw new InvalidModuleException(
              Reason.TOO_LARGE,
              "the gzipped module inflates to more than " + limits.maxModuleBytes() + " bytes");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidModuleException ime) {
        throw ime;
      }
      throw new InvalidModuleException(Reason.BAD_GZIP, "broken gzip stream: " + e.getMessage(), e);
    }
  }

  private static void checkMemories(WasmBinary binary) {
    List<Integer> declared = binary.memoryLimitFlags();
    List<Integer> imported = binary.importedMemoryLimitFlags();
    for (int flags : concat(declared, imported)) {
      if ((flags & 0x04) != 0) {
        // Note: the spec allows I = i64 canisters; Canopy does not run them yet (issue text).
        throw new InvalidModuleException(
            Reason.MEMORY64_UNSUPPORTED,
            "64-bit memories (memory64, wasm64) are not supported yet; compile the canister for"
                + " wasm32 (for Motoko: classic persistence, moc --legacy-persistence)");
      }
    }
    if (declared.size() + imported.size() > 1) {
      throw new InvalidModuleException(
          Reason.BAD_MEMORY, "a canister may declare at most one memory, found "
              + (declared.size() + imported.size()));
    }
  }

  private static List<Integer> concat(List<Integer> a, List<Integer> b) {
    List<Integer> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private void readCustomSections(
      WasmBinary binary, SortedMap<String, byte[]> pub, SortedMap<String, byte[]> priv) {
    int count = 0;
    long totalBytes = 0;
    for (WasmBinary.Section s : binary.sections()) {
      if (s.id() != WasmBinary.CUSTOM || !s.customName().startsWith("icp:")) {
        continue;
      }
      String sectionName = s.customName();
      String name;
      SortedMap<String, byte[]> target;
      if (sectionName.startsWith(PUBLIC_PREFIX)) {
        name = sectionName.substring(PUBLIC_PREFIX.length());
        target = pub;
      } else if (sectionName.startsWith(PRIVATE_PREFIX)) {
        name = sectionName.substring(PRIVATE_PREFIX.length());
        target = priv;
      } else {
        throw new InvalidModuleException(
            Reason.BAD_CUSTOM_SECTION,
            "custom section '" + sectionName + "': only 'icp:public <name>' and"
                + " 'icp:private <name>' may start with 'icp:'");
      }
      if (pub.containsKey(name) || priv.containsKey(name)) {
        throw new InvalidModuleException(
            Reason.BAD_CUSTOM_SECTION, "custom section name '" + name + "' appears twice");
      }
      byte[] content = binary.contents(s);
      target.put(name, content);
      count++;
      totalBytes += name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + content.length;
      if (count > limits.maxCustomSections()) {
        throw new InvalidModuleException(
            Reason.TOO_LARGE, "more than " + limits.maxCustomSections() + " icp: custom sections");
      }
      if (totalBytes > limits.maxCustomSectionBytes()) {
        throw new InvalidModuleException(
            Reason.TOO_LARGE,
            "icp: custom sections total more than " + limits.maxCustomSectionBytes() + " bytes");
      }
    }
  }

  /**
   * Decodes the sections the requirements are about, from the module with its function bodies
   * stubbed out (their count and framing are checked). Note: function bodies are decoded and
   * validated once, when the engine compiles the instrumented module ({@link WasmEngine#load});
   * a module whose compiled code is cached was validated when it was compiled.
   */
  private static WasmModule parse(byte[] wasm) {
    try {
      return Parser.builder()
          .withValidation(false)
          .includeSectionId(1) // types
          .includeSectionId(2) // imports
          .includeSectionId(3) // functions
          .includeSectionId(6) // globals
          .includeSectionId(7) // exports
          .includeSectionId(10) // code (stubs): needed for Chicory's consistency check
          .build()
          .parse(() -> new ByteArrayInputStream(wasm));
    } catch (RuntimeException | StackOverflowError | AssertionError e) {
      // Chicory's decoder asserts some invariants of well-formed code (seen with -ea).
      throw new InvalidModuleException(
          Reason.MALFORMED, "the Wasm binary does not decode or validate: " + e.getMessage(), e);
    }
  }

  private static void checkImports(WasmModule module) {
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      Import imp = imports.getImport(i);
      String where = "import '" + imp.module() + "." + imp.name() + "'";
      if (!(imp instanceof FunctionImport fi)) {
        throw new InvalidModuleException(
            imp.importType() == ExternalType.MEMORY ? Reason.BAD_MEMORY : Reason.BAD_IMPORT,
            where + ": a canister may import only functions of the ic0 module");
      }
      if (!Ic0Function.MODULE.equals(imp.module())) {
        throw new InvalidModuleException(
            Reason.BAD_IMPORT, where + ": a canister may import only from module 'ic0'");
      }
      Ic0Function f = Ic0Function.byName(imp.name());
      if (f == null) {
        throw new InvalidModuleException(
            Reason.BAD_IMPORT, where + ": not a System API function of the specification");
      }
      if (fi.typeIndex() < 0 || fi.typeIndex() >= module.typeSection().typeCount()) {
        throw new InvalidModuleException(Reason.MALFORMED, where + " has an unknown type index");
      }
      FunctionType declared = module.typeSection().getType(fi.typeIndex());
      if (!declared.equals(f.type())) {
        throw new InvalidModuleException(
            Reason.BAD_IMPORT, where + " has type " + declared + ", the spec says " + f.type());
      }
    }
  }

  private void checkExports(
      WasmModule module,
      SortedSet<String> updates,
      SortedSet<String> queries,
      SortedSet<String> compositeQueries,
      SortedSet<String> hooks) {
    int importedFunctions = module.importSection().count(ExternalType.FUNCTION);
    long nameBytes = 0;
    int methods = 0;
    var exports = module.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      Export e = exports.getExport(i);
      String name = e.name();
      if (!name.startsWith("canister_")) {
        continue;
      }
      if (e.exportType() != ExternalType.FUNCTION) {
        throw new InvalidModuleException(
            Reason.BAD_EXPORT, "export '" + name + "' starts with canister_ but is not a function");
      }
      String method = null;
      SortedSet<String> target = null;
      for (MethodKind kind : MethodKind.values()) {
        if (name.startsWith(kind.exportPrefix())) {
          method = name.substring(kind.exportPrefix().length());
          target =
              switch (kind) {
                case UPDATE -> updates;
                case QUERY -> queries;
                case COMPOSITE_QUERY -> compositeQueries;
              };
        }
      }
      if (method == null && !HOOKS.contains(name)) {
        throw new InvalidModuleException(
            Reason.BAD_EXPORT,
            "export '" + name + "': the only canister_ exports allowed are the hooks and"
                + " 'canister_update <name>', 'canister_query <name>',"
                + " 'canister_composite_query <name>' (exactly one space)");
      }
      if (e.index() < 0
          || e.index() >= importedFunctions + module.functionSection().functionCount()) {
        throw new InvalidModuleException(
            Reason.MALFORMED, "export '" + name + "' names an unknown function");
      }
      FunctionType type = functionType(module, e.index(), importedFunctions);
      if (!type.params().isEmpty() || !type.returns().isEmpty()) {
        throw new InvalidModuleException(
            Reason.BAD_EXPORT, "export '" + name + "' must have type () -> (), has " + type);
      }
      if (method == null) {
        hooks.add(name);
        continue;
      }
      if (updates.contains(method) || queries.contains(method)
          || compositeQueries.contains(method)) {
        throw new InvalidModuleException(
            Reason.DUPLICATE_METHOD, "method '" + method + "' is exported more than once");
      }
      target.add(method);
      methods++;
      nameBytes += method.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (methods > limits.maxExportedMethods()) {
        throw new InvalidModuleException(
            Reason.TOO_LARGE, "more than " + limits.maxExportedMethods() + " exported methods");
      }
      if (nameBytes > limits.maxExportedMethodNameBytes()) {
        throw new InvalidModuleException(
            Reason.TOO_LARGE,
            "exported method names total more than " + limits.maxExportedMethodNameBytes()
                + " bytes");
      }
    }
  }

  static FunctionType functionType(WasmModule module, int functionIndex, int importedFunctions) {
    if (functionIndex < importedFunctions) {
      var imp = (FunctionImport) module.importSection().stream()
          .filter(i -> i instanceof FunctionImport)
          .skip(functionIndex)
          .findFirst()
          .orElseThrow();
      return module.typeSection().getType(imp.typeIndex());
    }
    int typeIndex = module.functionSection().getFunctionType(functionIndex - importedFunctions);
    if (typeIndex < 0 || typeIndex >= module.typeSection().typeCount()) {
      throw new InvalidModuleException(
          Reason.MALFORMED, "function " + functionIndex + " has an unknown type index");
    }
    return module.typeSection().getType(typeIndex);
  }
}
