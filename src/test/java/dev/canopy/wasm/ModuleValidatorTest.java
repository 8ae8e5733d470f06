package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.wasm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hashing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.wasm.InvalidModuleException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The spec's "WebAssembly module requirements" and "Canister module format". */
class ModuleValidatorTest {
  final ModuleValidator validator = new ModuleValidator(ModuleLimits.internetComputerDefaults());

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  /** Appends a custom section to a module. */
  static byte[] withCustomSection(byte[] module, String name, byte[] content) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    payload.writeBytes(dev.canopy.types.Leb128.encodeUnsigned(nameBytes.length));
    payload.writeBytes(nameBytes);
    payload.writeBytes(content);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(module);
    out.write(0);
    out.writeBytes(dev.canopy.types.Leb128.encodeUnsigned(payload.size()));
    out.writeBytes(payload.toByteArray());
    return out.toByteArray();
  }

  Reason reasonOf(byte[] module) {
    try {
      validator.validate(module);
    } catch (InvalidModuleException e) {
      assertThat(e).isInstanceOf(InvalidInputException.class);
      assertThat(e.getMessage()).startsWith("invalid canister module: ");
      return e.reason();
    }
    throw new AssertionError("the module was accepted");
  }

  static final byte[] GOOD = wasm("""
      (module
        (import "ic0" "msg_reply" (func $reply))
        (memory 1)
        (func (export "canister_init"))
        (func (export "canister_update go") (call $reply))
        (func (export "canister_query look") (call $reply))
        (func (export "canister_composite_query ask") (call $reply))
        (func (export "helper") (param i32))
        (func $start)
        (start $start))
      """);

  @Test
  void aGoodModuleExposesItsMethodsHooksAndHash() throws IOException {
    CanisterModule m = validator.validate(GOOD);
    assertThat(m.updateMethods()).containsExactly("go");
    assertThat(m.queryMethods()).containsExactly("look");
    assertThat(m.compositeQueryMethods()).containsExactly("ask");
    assertThat(m.methodKind("ask")).contains(MethodKind.COMPOSITE_QUERY);
    assertThat(m.exportsHook("canister_init")).isTrue();
    assertThat(m.exportsHook("canister_heartbeat")).isFalse();
    assertThat(m.moduleHash()).isEqualTo(Hashing.sha256(GOOD));
    assertThat(m.startFunction()).isEqualTo(6);
  }

  @Test
  void aGzippedModuleIsAcceptedAndItsHashIsOfTheUploadedBytes() throws IOException {
    byte[] gz = gzip(GOOD);
    CanisterModule m = validator.validate(gz);
    assertThat(m.moduleHash()).isEqualTo(Hashing.sha256(gz));
    assertThat(m.wasm()).isEqualTo(GOOD);
  }

  @Test
  void brokenInputIsRejectedWithAReason() {
    assertThat(reasonOf(new byte[] {1, 2, 3})).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(new byte[] {0x1f, (byte) 0x8b, 0x08, 0, 0})).isEqualTo(Reason.BAD_GZIP);
    byte[] truncated = java.util.Arrays.copyOf(GOOD, GOOD.length - 3);
    assertThat(reasonOf(truncated)).isEqualTo(Reason.MALFORMED);
    byte[] badSectionSize = GOOD.clone();
    badSectionSize[9] = 0x7f;
    assertThat(reasonOf(badSectionSize)).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void codeThatDoesNotValidateIsRejectedWhenTheEngineLoadsIt() {
    // (func) whose body leaves an i32 on the stack: structurally fine, invalid by typing.
    byte[] badBody = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x02, 0x01, 0x00,
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b};
    try (WasmEngine engine = WasmTestSupport.engine()) {
      assertThatThrownBy(() -> engine.load(badBody))
          .isInstanceOfSatisfying(InvalidModuleException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
    }
  }

  @Test
  void aGzipBombIsRejected() throws IOException {
    ModuleValidator small = new ModuleValidator(new ModuleLimits(1 << 20, 50_000, 1_000, 16,
        1 << 20, 1_000, 20_000));
    byte[] bomb = gzip(new byte[4 << 20]);
    assertThatThrownBy(() -> small.validate(bomb))
        .isInstanceOfSatisfying(InvalidModuleException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
  }

  @Test
  void aWasm64ModuleGetsAPreciseError() {
    // (module (memory i64 1)): limits flag 0x04 marks a 64-bit memory.
    byte[] memory64 = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x04, 0x01};
    assertThatThrownBy(() -> validator.validate(memory64))
        .isInstanceOfSatisfying(InvalidModuleException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.MEMORY64_UNSUPPORTED);
          assertThat(e.getMessage()).contains("not supported yet").contains("wasm32");
        });
  }

  @Test
  void importsMustBeSystemApiFunctionsOfTheRightType() {
    assertThat(reasonOf(wasm("(module (import \"env\" \"f\" (func)))"))).isEqualTo(Reason.BAD_IMPORT);
    assertThat(reasonOf(wasm("(module (import \"ic0\" \"no_such\" (func)))")))
        .isEqualTo(Reason.BAD_IMPORT);
    assertThat(reasonOf(wasm("(module (import \"ic0\" \"msg_reply\" (func (param i32))))")))
        .isEqualTo(Reason.BAD_IMPORT);
    assertThat(reasonOf(wasm("(module (import \"ic0\" \"mem\" (memory 1)))")))
        .isEqualTo(Reason.BAD_MEMORY);
    assertThat(reasonOf(wasm("(module (import \"ic0\" \"g\" (global i32)))")))
        .isEqualTo(Reason.BAD_IMPORT);
    // Every System API function of the spec is accepted with its type.
    StringBuilder all = new StringBuilder("(module ");
    for (Ic0Function f : Ic0Function.values()) {
      all.append("(import \"ic0\" \"").append(f.importName()).append("\" (func")
          .append(watSignature(f)).append("))");
    }
    all.append(")");
    assertThat(validator.validate(wasm(all.toString())).updateMethods()).isEmpty();
  }

  static String watSignature(Ic0Function f) {
    StringBuilder b = new StringBuilder();
    if (!f.type().params().isEmpty()) {
      b.append(" (param");
      f.type().params().forEach(t -> b.append(" ").append(t.toString().toLowerCase()));
      b.append(")");
    }
    if (!f.type().returns().isEmpty()) {
      b.append(" (result");
      f.type().returns().forEach(t -> b.append(" ").append(t.toString().toLowerCase()));
      b.append(")");
    }
    return b.toString();
  }

  @Test
  void onlyTheSpecsCanisterExportsAreAllowed() {
    assertThat(reasonOf(wasm("(module (func (export \"canister_foo\")))")))
        .isEqualTo(Reason.BAD_EXPORT);
    assertThat(reasonOf(wasm("(module (func (export \"canister_updatego\")))")))
        .isEqualTo(Reason.BAD_EXPORT);
    assertThat(reasonOf(wasm("(module (func (export \"canister_update go\") (param i32)))")))
        .isEqualTo(Reason.BAD_EXPORT);
    assertThat(reasonOf(wasm("(module (func (export \"canister_init\") (result i32) i32.const 0))")))
        .isEqualTo(Reason.BAD_EXPORT);
    assertThat(reasonOf(wasm("(module (global (export \"canister_init\") i32 (i32.const 0)))")))
        .isEqualTo(Reason.BAD_EXPORT);
    assertThat(reasonOf(wasm("""
        (module (func $f) (export "canister_update go" (func $f))
          (export "canister_query go" (func $f)))
        """))).isEqualTo(Reason.DUPLICATE_METHOD);
    // Exports without the canister_ prefix are the module's own business.
    assertThat(validator.validate(wasm("(module (func (export \"anything\")))")).updateMethods())
        .isEmpty();
  }

  @Test
  void tooManyFunctionsOrGlobalsAreRejected() {
    ModuleValidator small = new ModuleValidator(new ModuleLimits(1 << 20, 2, 1, 16, 1 << 20,
        1_000, 20_000));
    assertThatThrownBy(() -> small.validate(wasm("(module (func) (func) (func))")))
        .isInstanceOfSatisfying(InvalidModuleException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
    assertThatThrownBy(() -> small.validate(wasm(
        "(module (global i32 (i32.const 0)) (global i32 (i32.const 0)))")))
        .isInstanceOfSatisfying(InvalidModuleException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
  }

  @Test
  void twoMemoriesAreRejected() {
    byte[] twoMemories = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01};
    assertThat(reasonOf(twoMemories)).isEqualTo(Reason.BAD_MEMORY);
  }

  @Test
  void publicAndPrivateMetadataAreExposed() {
    byte[] m = withCustomSection(GOOD, "icp:public candid:service", "service : {}".getBytes());
    m = withCustomSection(m, "icp:private secret", new byte[] {1, 2});
    m = withCustomSection(m, "notes", new byte[] {0});
    CanisterModule module = validator.validate(m);
    assertThat(module.publicMetadataNames()).containsExactly("candid:service");
    assertThat(module.publicMetadata("candid:service")).hasValueSatisfying(
        b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("service : {}"));
    assertThat(module.privateMetadata("secret")).hasValueSatisfying(
        b -> assertThat(b).containsExactly(1, 2));
    assertThat(module.publicMetadata("secret")).isEmpty();
  }

  @Test
  void customSectionRulesAreEnforced() {
    assertThat(reasonOf(withCustomSection(GOOD, "icp:other x", new byte[0])))
        .isEqualTo(Reason.BAD_CUSTOM_SECTION);
    byte[] both = withCustomSection(withCustomSection(GOOD, "icp:public a", new byte[0]),
        "icp:private a", new byte[0]);
    assertThat(reasonOf(both)).isEqualTo(Reason.BAD_CUSTOM_SECTION);
    byte[] many = GOOD;
    for (int i = 0; i < 17; i++) {
      many = withCustomSection(many, "icp:public s" + i, new byte[0]);
    }
    assertThat(reasonOf(many)).isEqualTo(Reason.TOO_LARGE);
    assertThat(reasonOf(withCustomSection(GOOD, "icp:public big", new byte[(1 << 20) + 1])))
        .isEqualTo(Reason.TOO_LARGE);
  }

  @Test
  void aCodeSectionWhoseFramingIsBrokenIsMalformed() {
    byte[] header = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // one type: [] -> []
        0x03, 0x02, 0x01, 0x00}; // one function of type 0
    byte[] bodyTooLong = {0x0a, 0x04, 0x01, 0x05, 0x00, 0x0b}; // claims 5 bytes, has 2
    byte[] trailing = {0x0a, 0x05, 0x01, 0x02, 0x00, 0x0b, 0x00}; // a byte after the last body
    byte[] tooMany = {0x0a, 0x02, 0x7f, 0x00}; // 127 bodies in 2 bytes
    byte[] good = {0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
    assertThat(reasonOf(concat(header, bodyTooLong))).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(concat(header, trailing))).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(concat(header, tooMany))).isEqualTo(Reason.MALFORMED);
    assertThat(validator.validate(concat(header, good)).wasmSizeBytes()).isEqualTo(24);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
