package dev.canopy.wasm;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.internal.ByteClassCollector;
import com.dylibso.chicory.compiler.internal.ClassCollector;
import com.dylibso.chicory.compiler.internal.Compiler;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.MemoryImport;
import dev.canopy.wasm.instrument.MeteringInstrumenter.MeteringSection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Compiles an instrumented module with Chicory and rewrites the generated classes so that every
 * access to the instruction counter global goes through the instance's memory ({@link
 * CounterGlobalAccess}): one field of an argument every compiled function has in a register, where
 * the counter's value lives ({@link CounterGlobal}), instead of Chicory's {@code Instance.global(i)}
 * (after inlining, about seven dependent loads and three compare-and-branches, which the JIT must
 * redo after every call).
 *
 * <p>Note: this is what makes metering a call-heavy workload affordable on Chicory 1.7.5: every
 * call hands the counter back through that global (see the instrumenter's FunctionInstrumenter),
 * and on a recursive fib the global's accesses were more than half of the metered time (bench/
 * RESULTS.md, "the counter global through the memory"). Both ways reach the same value (the
 * instance's counter global is a {@link CounterGlobal} on the memory's field), so a call the
 * rewrite does not match still works and the host reads the counter as before; the rewrite
 * depends only on the shape of Chicory's generated code ({@code iconst i; aload instance;
 * invokestatic readGlobal/writeGlobal}), pinned by {@link
 * CompiledClassCache#COMPILER_VERSION} and checked by {@code CounterGlobalShortcutTest}.
 */
final class CounterGlobalShortcut {
  /** Names the rewrite; part of the disk cache's key, so change it when the rewrite changes. */
  static final String VERSION = "counter-via-memory-1";

  private static final String INSTANCE = "com/dylibso/chicory/runtime/Instance";
  private static final String MEMORY = "com/dylibso/chicory/runtime/Memory";
  private static final String READ_DESC = "(IL" + INSTANCE + ";)J";
  private static final String WRITE_DESC = "(JIL" + INSTANCE + ";)V";
  private static final String ACCESS = Type.getInternalName(CounterGlobalAccess.class);

  private CounterGlobalShortcut() {}

  /**
   * The index of the counter global the rewrite would route through the memory, or -1 where it
   * does not apply: a module that is not instrumented, or without a memory of its own (its
   * compiled functions get no memory to go through).
   */
  static int counterGlobal(WasmModule module) {
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      if (imports.getImport(i) instanceof MemoryImport || imports.getImport(i) instanceof GlobalImport) {
        return -1;
      }
    }
    if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
      return -1;
    }
    var exports = module.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      Export e = exports.getExport(i);
      if (e.exportType() == ExternalType.GLOBAL && e.name().equals(LoadedModule.INSTRUCTIONS_GLOBAL)) {
        return e.index();
      }
    }
    return -1;
  }

  /**
   * The Wasm function index N of a method of Chicory's generated code named {@code func_N} (its
   * compiled Wasm functions), or -1 for any other method.
   */
  static int compiledFunctionIndex(String name) {
    if (!name.startsWith("func_") || name.length() == 5 || name.length() > 15) {
      return -1;
    }
    long n = 0;
    for (int i = 5; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n > Integer.MAX_VALUE ? -1 : (int) n;
  }

  /**
   * A result of {@link #compile}: Chicory's class payload, rewritten, how many counter accesses it
   * rewrote, how many comparisons it fused with their branches ({@link FusedComparisons}), how
   * many interruption checks it removed ({@link InterruptionChecks}), how many functions it
   * gave the exact memory type ({@link ExactMemoryType}) and how many the trap handler that keeps
   * the counter exact ({@link TrapCounterSync}).
   */
  record Compiled(
      byte[] payload,
      int rewrittenAccesses,
      int fusedComparisons,
      int removedInterruptionChecks,
      int retypedFunctions,
      int trapHandlers) {}

  /**
   * Compiles {@code module} (no interpreter fallback), rewrites the accesses to global {@code
   * counterGlobal} (none if it is -1: see {@link #counterGlobal}), fuses comparisons with the
   * branches they decide ({@link FusedComparisons}), removes Chicory's interruption checks ({@link
   * InterruptionChecks}), gives the functions' memory parameter its exact type ({@link
   * ExactMemoryType}), gives an instrumented module's functions the handler that keeps the counter
   * exact on a trap ({@link TrapCounterSync}), and returns the classes in the form Chicory's {@code
   * Cache} takes them.
   * Every module the engine runs is compiled this way.
   */
  static Compiled compile(WasmModule module, int counterGlobal) {
    var result = Compiler.builder(module)
        .withInterpreterFallback(InterpreterFallback.FAIL)
        .withClassCollectorFactory(ByteClassCollector::new)
        .build()
        .compile();
    ClassCollector collector = result.collector();
    Map<String, byte[]> rewritten = new LinkedHashMap<>();
    int count = 0;
    int fused = 0;
    int removed = 0;
    int retyped = 0;
    int handled = 0;
    MeteringSection metering = TrapCounterSync.metering(module);
    for (var e : collector.classBytes().entrySet()) {
      ClassReader reader = new ClassReader(e.getValue());
      // Note: no recomputed maximums (they cost a tenth of a cold compile): the counter rewrite
      // and the removed interruption checks only shorten the operand stack, the retyping's cast
      // (swap, checkcast, swap) never deepens it, and the fusion raises each method's maximum by
      // what its fused comparisons need beyond the calls they replace.
      ClassWriter writer = new ClassWriter(reader, 0);
      // Last: its handler's frame names the parameters as the retyping left them.
      TrapCounterSync trapSync = new TrapCounterSync(writer, metering);
      FusedComparisons fusion = new FusedComparisons(trapSync);
      ExactMemoryType exact = new ExactMemoryType(fusion);
      // Before the retyping: it matches the functions by Chicory's own descriptors.
      Rewriter rewriter = new Rewriter(exact, counterGlobal);
      InterruptionChecks checks = new InterruptionChecks(rewriter);
      reader.accept(checks, 0);
      count += rewriter.count;
      fused += fusion.count;
      removed += checks.count;
      retyped += exact.count;
      handled += trapSync.count;
      boolean unchanged = rewriter.count == 0 && fusion.count == 0 && checks.count == 0
          && exact.count == 0 && exact.calls == 0 && trapSync.count == 0;
      rewritten.put(e.getKey(), unchanged ? e.getValue() : writer.toByteArray());
    }
    return new Compiled(payload(collector.mainClassName(), rewritten), count, fused, removed, retyped, handled);
  }

  /**
   * Rewrites, in every method whose last two parameters are (Memory, Instance), each {@code iconst
   * counterGlobal; aload <instance>; invokestatic readGlobal|writeGlobal} into {@code aload
   * <memory>; invokestatic CounterGlobalAccess.read|write}, counting them.
   */
  static final class Rewriter extends ClassVisitor {
    private final int counterGlobal;
    int count;

    Rewriter(ClassVisitor next, int counterGlobal) {
      super(Opcodes.ASM9, next);
      this.counterGlobal = counterGlobal;
    }

    @Override
    public MethodVisitor visitMethod(
        int access, String name, String descriptor, String signature, String[] exceptions) {
      MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
      Type[] args = Type.getArgumentTypes(descriptor);
      int n = args.length;
      if (counterGlobal < 0 || n < 2 || args[n - 1].getSort() != Type.OBJECT || args[n - 2].getSort() != Type.OBJECT
          || !args[n - 1].getInternalName().equals(INSTANCE) || !args[n - 2].getInternalName().equals(MEMORY)) {
        return next;
      }
      int slot = (access & Opcodes.ACC_STATIC) != 0 ? 0 : 1;
      for (int i = 0; i < n - 2; i++) {
        slot += args[i].getSize();
      }
      return new MethodRewriter(next, slot);
    }

    /**
     * Holds back a constant equal to the counter's index, and an {@code aload} of the instance
     * right after it, until the next instruction shows whether they start a global access.
     */
    private final class MethodRewriter extends PeepholeMethodVisitor {
      private final int memorySlot;
      private final int instanceSlot;
      private boolean heldIndex;
      private boolean heldInstance;

      MethodRewriter(MethodVisitor next, int memorySlot) {
        super(next);
        this.memorySlot = memorySlot;
        this.instanceSlot = memorySlot + 1;
      }

      @Override
      void flush() {
        if (heldIndex) {
          heldIndex = false;
          if (counterGlobal <= 5) {
            mv.visitInsn(Opcodes.ICONST_0 + counterGlobal);
          } else if (counterGlobal <= Byte.MAX_VALUE) {
            mv.visitIntInsn(Opcodes.BIPUSH, counterGlobal);
          } else if (counterGlobal <= Short.MAX_VALUE) {
            mv.visitIntInsn(Opcodes.SIPUSH, counterGlobal);
          } else {
            mv.visitLdcInsn(counterGlobal);
          }
        }
        if (heldInstance) {
          heldInstance = false;
          mv.visitVarInsn(Opcodes.ALOAD, instanceSlot);
        }
      }

      /** An int constant: held back if it is the counter's index; true if so. */
      private boolean hold(long value) {
        flush();
        heldIndex = value == counterGlobal;
        return heldIndex;
      }

      @Override
      public void visitInsn(int opcode) {
        if (opcode >= Opcodes.ICONST_M1 && opcode <= Opcodes.ICONST_5 && hold(opcode - Opcodes.ICONST_0)) {
          return;
        }
        super.visitInsn(opcode);
      }

      @Override
      public void visitIntInsn(int opcode, int operand) {
        if ((opcode == Opcodes.BIPUSH || opcode == Opcodes.SIPUSH) && hold(operand)) {
          return;
        }
        super.visitIntInsn(opcode, operand);
      }

      @Override
      public void visitLdcInsn(Object value) {
        if (value instanceof Integer i && hold(i)) {
          return;
        }
        super.visitLdcInsn(value);
      }

      @Override
      public void visitVarInsn(int opcode, int varIndex) {
        if (heldIndex && !heldInstance && opcode == Opcodes.ALOAD && varIndex == instanceSlot) {
          heldInstance = true;
          return;
        }
        super.visitVarInsn(opcode, varIndex);
      }

      @Override
      public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
        boolean read = name.equals("readGlobal") && descriptor.equals(READ_DESC);
        boolean write = name.equals("writeGlobal") && descriptor.equals(WRITE_DESC);
        if (heldIndex && heldInstance && opcode == Opcodes.INVOKESTATIC && (read || write)) {
          heldIndex = false;
          heldInstance = false;
          mv.visitVarInsn(Opcodes.ALOAD, memorySlot);
          mv.visitMethodInsn(Opcodes.INVOKESTATIC, ACCESS, read ? "read" : "write",
              read ? "(L" + MEMORY + ";)J" : "(JL" + MEMORY + ";)V", false);
          count++;
          return;
        }
        super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
      }
    }
  }

  /**
   * The classes as Chicory 1.7.5's {@code MachineFactoryCompiler} stores them in its cache (and
   * reads them back): a jar with the main class's name in {@code wasm-module.properties}.
   */
  private static byte[] payload(String mainClass, Map<String, byte[]> classes) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (JarOutputStream jar = new JarOutputStream(bytes)) {
        Properties properties = new Properties();
        properties.put("mainClass", mainClass);
        ByteArrayOutputStream props = new ByteArrayOutputStream();
        properties.store(props, "");
        jar.putNextEntry(new JarEntry("wasm-module.properties"));
        jar.write(props.toByteArray());
        jar.closeEntry();
        for (var e : classes.entrySet()) {
          jar.putNextEntry(new JarEntry(e.getKey().replace('.', '/') + ".class"));
          jar.write(e.getValue());
          jar.closeEntry();
        }
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
