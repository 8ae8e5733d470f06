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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Compiles an instrumented module with Chicory and rewrites the generated classes so that every
 * access to the instruction counter global goes through the instance's memory ({@link
 * CounterGlobalAccess}): one field load from an argument every compiled function has in a register,
 * then the global's value, instead of Chicory's {@code Instance.global(i)} (after inlining, about
 * seven dependent loads and three compare-and-branches, which the JIT must redo after every call).
 *
 * <p>Note: this is what makes metering a call-heavy workload affordable on Chicory 1.7.5: every
 * call hands the counter back through that global (see the instrumenter's FunctionInstrumenter),
 * and on a recursive fib the global's accesses were more than half of the metered time (bench/
 * RESULTS.md, "the counter global through the memory"). Both ways reach the same {@code
 * GlobalInstance}, so a call the rewrite does not match still works and the host reads the
 * counter as before; the rewrite depends only on the shape of Chicory's generated code ({@code
 * iconst i; aload instance; invokestatic readGlobal/writeGlobal}), pinned by {@link
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

  /** A result of {@link #compile}: Chicory's class payload, rewritten, and how many accesses. */
  record Compiled(byte[] payload, int rewrittenAccesses) {}

  /**
   * Compiles {@code module} (no interpreter fallback), rewrites the accesses to global {@code
   * counterGlobal}, and returns the classes in the form Chicory's {@code Cache} takes them.
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
    for (var e : collector.classBytes().entrySet()) {
      ClassNode node = new ClassNode();
      new ClassReader(e.getValue()).accept(node, 0);
      int n = rewrite(node, counterGlobal);
      count += n;
      if (n == 0) {
        rewritten.put(e.getKey(), e.getValue());
      } else {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        node.accept(writer);
        rewritten.put(e.getKey(), writer.toByteArray());
      }
    }
    return new Compiled(payload(collector.mainClassName(), rewritten), count);
  }

  /**
   * Rewrites, in every method whose last two parameters are (Memory, Instance), each {@code iconst
   * counterGlobal; aload <instance>; invokestatic readGlobal|writeGlobal} into {@code aload
   * <memory>; invokestatic CounterGlobalAccess.read|write}; returns how many.
   */
  static int rewrite(ClassNode node, int counterGlobal) {
    int count = 0;
    for (MethodNode m : node.methods) {
      Type[] args = Type.getArgumentTypes(m.desc);
      int n = args.length;
      if (n < 2 || !args[n - 1].getInternalName().equals(INSTANCE)
          || !args[n - 2].getInternalName().equals(MEMORY)) {
        continue;
      }
      int slot = (m.access & Opcodes.ACC_STATIC) != 0 ? 0 : 1;
      for (int i = 0; i < n - 2; i++) {
        slot += args[i].getSize();
      }
      int memorySlot = slot;
      int instanceSlot = slot + 1;
      for (AbstractInsnNode insn = m.instructions.getFirst(); insn != null; insn = insn.getNext()) {
        if (insn.getOpcode() != Opcodes.INVOKESTATIC) {
          continue;
        }
        MethodInsnNode call = (MethodInsnNode) insn;
        boolean read = call.name.equals("readGlobal") && call.desc.equals(READ_DESC);
        boolean write = call.name.equals("writeGlobal") && call.desc.equals(WRITE_DESC);
        if (!read && !write) {
          continue;
        }
        AbstractInsnNode load = call.getPrevious();
        AbstractInsnNode index = load == null ? null : load.getPrevious();
        if (load == null || load.getOpcode() != Opcodes.ALOAD || ((VarInsnNode) load).var != instanceSlot
            || index == null || intConstant(index) != counterGlobal) {
          continue;
        }
        InsnList replacement = new InsnList();
        replacement.add(new VarInsnNode(Opcodes.ALOAD, memorySlot));
        MethodInsnNode access = new MethodInsnNode(Opcodes.INVOKESTATIC, ACCESS, read ? "read" : "write",
            read ? "(L" + MEMORY + ";)J" : "(JL" + MEMORY + ";)V", false);
        replacement.add(access);
        m.instructions.insert(call, replacement);
        m.instructions.remove(index);
        m.instructions.remove(load);
        m.instructions.remove(call);
        insn = access;
        count++;
      }
    }
    return count;
  }

  private static long intConstant(AbstractInsnNode insn) {
    int op = insn.getOpcode();
    if (op >= Opcodes.ICONST_M1 && op <= Opcodes.ICONST_5) {
      return op - Opcodes.ICONST_0;
    }
    if (op == Opcodes.BIPUSH || op == Opcodes.SIPUSH) {
      return ((IntInsnNode) insn).operand;
    }
    if (op == Opcodes.LDC && ((LdcInsnNode) insn).cst instanceof Integer i) {
      return i;
    }
    return Long.MIN_VALUE;
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
