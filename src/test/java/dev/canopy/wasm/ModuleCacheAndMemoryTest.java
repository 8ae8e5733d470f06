package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.readLe32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compiled-module cache (memory and disk) and the Wasm memory limit. */
class ModuleCacheAndMemoryTest {
  static final byte[] MODULE = WasmTestSupport.canister("""
      (func (export "canister_update grow")
        (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
        (i32.store (i32.const 0) (memory.grow (i32.load (i32.const 0))))
        (call $append (i32.const 0) (i32.const 4))
        (call $reply))
      (func (export "canister_update touch_last_page")
        (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 1))
        (call $reply))
      """);

  static int replyInt(ExecutionResult r) {
    assertThat(r.trap()).isEmpty();
    return readLe32(((CallResponse.Reply) r.response().get()).payload());
  }

  @Test
  void aSecondCanisterWithTheSameModuleDoesNotCompileAgain() {
    try (WasmEngine engine = WasmTestSupport.engine()) {
      engine.load(MODULE);
      engine.load(MODULE);
      assertThat(engine.stats().compilations()).isEqualTo(1);
      assertThat(engine.stats().memoryCacheHits()).isPositive();
    }
  }

  @Test
  void aRestartedEngineLoadsCompiledClassesFromDisk(@TempDir Path dir) throws IOException {
    CanisterState state;
    try (WasmEngine first = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      CanisterModule m = first.load(MODULE);
      assertThat(first.stats().compilations()).isEqualTo(1);
      assertThat(first.stats().diskCacheWrites()).isEqualTo(1);
      state = first.install(m, new InstallArgs(new byte[0], USER), env()).state();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(p -> p.toString().endsWith(".classes")).count()).isEqualTo(1);
    }
    try (WasmEngine second = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      CanisterModule m = second.load(MODULE);
      assertThat(second.stats().compilations()).isZero();
      assertThat(second.stats().diskCacheHits()).isEqualTo(1);
      ExecutionResult r = second.execute(m, state,
          MethodCall.update("grow", WasmTestSupport.le32(1), USER), env());
      assertThat(replyInt(r)).isEqualTo(1);
    }
  }

  @Test
  void aCorruptCacheFileIsIgnoredAndRewritten(@TempDir Path dir) throws IOException {
    try (WasmEngine first = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      first.load(MODULE);
    }
    Path file;
    try (Stream<Path> files = Files.walk(dir)) {
      file = files.filter(p -> p.toString().endsWith(".classes")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(file, bytes);
    try (WasmEngine second = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      CanisterModule m = second.load(MODULE);
      assertThat(second.stats().compilations()).isEqualTo(1);
      assertThat(second.stats().diskCacheWrites()).isEqualTo(1);
      assertThat(second.install(m, new InstallArgs(new byte[0], USER), env()).trap()).isEmpty();
    }
  }

  @Test
  void anEntryThatPassesItsChecksumButDoesNotLoadIsDroppedAndRecompiled(@TempDir Path dir)
      throws IOException {
    try (WasmEngine first = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      first.load(MODULE);
    }
    Path file;
    try (Stream<Path> files = Files.walk(dir)) {
      file = files.filter(p -> p.toString().endsWith(".classes")).findFirst().orElseThrow();
    }
    // A well-formed file (checksum over its payload) whose payload is not a cache entry.
    byte[] junk = new byte[64];
    java.util.Arrays.fill(junk, (byte) 0x7f);
    byte[] stored = new byte[32 + junk.length];
    System.arraycopy(dev.canopy.types.Hashing.sha256(junk), 0, stored, 0, 32);
    System.arraycopy(junk, 0, stored, 32, junk.length);
    Files.write(file, stored);
    try (WasmEngine second = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      CanisterModule m = second.load(MODULE);
      assertThat(second.stats().compilations()).isEqualTo(1);
      assertThat(second.stats().diskCacheHits()).isZero();
      assertThat(second.stats().diskCacheWrites()).isEqualTo(1);
      assertThat(second.install(m, new InstallArgs(new byte[0], USER), env()).trap()).isEmpty();
    }
    try (WasmEngine third = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      third.load(MODULE);
      assertThat(third.stats().compilations()).as("the rewritten entry is used").isZero();
    }
  }

  @Test
  void aMotokoCanisterRunsFromTheDiskCacheOfARestartedEngine(@TempDir Path dir)
      throws IOException {
    byte[] counter;
    try (var in = getClass().getResourceAsStream("/motoko/counter.wasm")) {
      counter = in.readAllBytes();
    }
    byte[] noArgs = MotokoCanisterTest.NO_ARGS;
    CanisterState state;
    try (WasmEngine first = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      CanisterModule m = first.load(counter);
      state = first.install(m, new InstallArgs(noArgs, USER), env()).state();
      state = first.execute(m, state, MethodCall.update("inc", noArgs, USER), env()).state();
    }
    try (WasmEngine second = WasmEngine.builder().withModuleCacheDir(dir).build()) {
      CanisterModule m = second.load(counter);
      assertThat(second.stats().compilations()).isZero();
      assertThat(second.stats().diskCacheHits()).isEqualTo(1);
      ExecutionResult inc = second.execute(m, state, MethodCall.update("inc", noArgs, USER), env());
      assertThat(inc.trap()).isEmpty();
      assertThat(inc.instructionsUsed()).as("metered from the cached classes").isPositive();
      ExecutionResult get = second.execute(m, inc.state(),
          MethodCall.query("get", noArgs, USER), env());
      assertThat(MotokoCanisterTest.reply(get)).isEqualTo(MotokoCanisterTest.candid("nat", "(2)"));
      CanisterState fresh = second.install(m, new InstallArgs(noArgs, USER), env()).state();
      assertThat(MotokoCanisterTest.reply(second.execute(m, fresh,
          MethodCall.query("get", noArgs, USER), env())))
          .isEqualTo(MotokoCanisterTest.candid("nat", "(0)"));
    }
  }

  @Test
  void aSecondLoadOfTheSameBytesReturnsTheLoadedModule() {
    try (WasmEngine engine = WasmTestSupport.engine()) {
      CanisterModule first = engine.load(MODULE);
      assertThat(engine.load(MODULE)).isSameAs(first);
      assertThat(engine.restore(first.wasm(), first.moduleHash())).isSameAs(first);
      assertThat(engine.stats().memoryCacheHits()).isEqualTo(2);
    }
  }

  @Test
  void memoryGrowPastTheLimitReturnsMinusOneAndAllocatesNothing() {
    try (WasmEngine engine = WasmEngine.builder()
        .withLimits(ExecutionLimits.internetComputerDefaults().withMaxWasmMemoryBytes(64L << 20))
        .withExecutionThreads(1)
        .build()) {
      CanisterModule m = engine.load(MODULE);
      CanisterState s = engine.install(m, new InstallArgs(new byte[0], USER), env()).state();
      // 64 MiB = 1024 pages; the module starts with 1.
      assertThat(replyInt(engine.execute(m, s,
          MethodCall.update("grow", WasmTestSupport.le32(1024), USER), env()))).isEqualTo(-1);
      ExecutionResult grown = engine.execute(m, s,
          MethodCall.update("grow", WasmTestSupport.le32(1023), USER), env());
      assertThat(replyInt(grown)).isEqualTo(1);
      assertThat(grown.state().heap().pageCount()).isEqualTo(1024);
      assertThat(grown.state().heap().materializedPages()).isEqualTo(1);
      ExecutionResult touched = engine.execute(m, grown.state(),
          MethodCall.update("touch_last_page", new byte[0], USER), env());
      assertThat(touched.trap()).isEmpty();
      assertThat(touched.state().heap().materializedPages()).isEqualTo(2);
      assertThat(replyInt(engine.execute(m, grown.state(),
          MethodCall.update("grow", WasmTestSupport.le32(1), USER), env()))).isEqualTo(-1);
      // A grow bomb far beyond any limit is just -1.
      assertThat(replyInt(engine.execute(m, s,
          MethodCall.update("grow", WasmTestSupport.le32(-1), USER), env()))).isEqualTo(-1);
    }
  }

  @Test
  void aModuleWhoseInitialMemoryExceedsTheLimitFailsToInstall() {
    try (WasmEngine engine = WasmEngine.builder()
        .withLimits(ExecutionLimits.internetComputerDefaults().withMaxWasmMemoryBytes(1L << 20))
        .withExecutionThreads(1)
        .build()) {
      CanisterModule m = engine.load(WasmTestSupport.wasm("(module (memory 17))"));
      ExecutionResult r = engine.install(m, new InstallArgs(new byte[0], USER), env());
      assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_OUT_OF_MEMORY);
    }
  }
}
