package dev.canopy.wasm;

import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Gives every compiled Wasm function in Chicory's generated code ({@code func_N(..., Memory,
 * Instance)}) the engine's memory class, {@link PagedMemory}, as the type of its memory parameter,
 * and casts the memory once where a call passes it on (a cast the JIT drops where the argument is
 * such a parameter already). Counts the functions it retyped.
 *
 * <p>Note: the memory reaches a function as Chicory's {@code Memory} interface, so the JIT checks
 * its class wherever the code uses it as a {@code PagedMemory}: every access to the instruction
 * counter ({@link CounterGlobalAccess}) after a call, and the guard of each inlined memory access.
 * On the recursive fib workload they were about a twentieth of the metered time (bench/
 * RESULTS.md). With the exact, final class in the signature they go. Every instance the
 * engine makes has a {@code PagedMemory} ({@link InstanceRun}, {@link StandaloneInstances}); a
 * module without a memory passes null, which the cast lets through. It runs with the counter
 * rewrite ({@link CounterGlobalShortcut#compile}) on every module the engine compiles.
 */
final class ExactMemoryType extends ClassVisitor {
  /** Names the rewrite; part of the disk cache's key (with {@link CounterGlobalShortcut#VERSION}). */
  static final String VERSION = "exact-memory-type-2";

  private static final String GENERATED = "com/dylibso/chicory/$gen/";
  private static final String MEMORY = "com/dylibso/chicory/runtime/Memory";
  private static final String MEMORY_INSTANCE =
      "Lcom/dylibso/chicory/runtime/Memory;Lcom/dylibso/chicory/runtime/Instance;)";
  private static final String PAGED_MEMORY = Type.getInternalName(PagedMemory.class);
  private static final String PAGED_INSTANCE =
      "L" + PAGED_MEMORY + ";Lcom/dylibso/chicory/runtime/Instance;)";

  /** How many function signatures this visitor has retyped. */
  int count;
  /** How many calls of such functions it has rewritten (with the cast). */
  int calls;

  ExactMemoryType(ClassVisitor next) {
    super(Opcodes.ASM9, next);
  }

  /** A compiled Wasm function's descriptor with the memory retyped, or null if it is not one. */
  private static String retyped(String name, String descriptor) {
    if (CounterGlobalShortcut.compiledFunctionIndex(name) < 0 || !descriptor.contains(MEMORY_INSTANCE)) {
      return null;
    }
    return descriptor.replace(MEMORY_INSTANCE, PAGED_INSTANCE);
  }

  @Override
  public MethodVisitor visitMethod(
      int access, String name, String descriptor, String signature, String[] exceptions) {
    String exact = (access & Opcodes.ACC_STATIC) != 0 ? retyped(name, descriptor) : null;
    if (exact != null) {
      count++;
    }
    MethodVisitor next = super.visitMethod(access, name, exact != null ? exact : descriptor, signature, exceptions);
    int memoryEntry = Type.getArgumentTypes(descriptor).length - 2;
    return new MethodVisitor(Opcodes.ASM9, next) {
      /**
       * Chicory's full frames name the memory parameter's type as it was; its compressed frames
       * take it from the descriptor, now the exact type. The two must agree where control flow
       * joins (a loop header after a full frame), so full frames get the exact type too. Chicory
       * never stores another memory into that parameter.
       */
      @Override
      public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
        if (exact != null && (type == Opcodes.F_FULL || type == Opcodes.F_NEW) && numLocal > memoryEntry
            && MEMORY.equals(local[memoryEntry])) {
          local = local.clone();
          local[memoryEntry] = PAGED_MEMORY;
        }
        super.visitFrame(type, numLocal, local, numStack, stack);
      }

      @Override
      public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
        String callee = opcode == Opcodes.INVOKESTATIC && owner.startsWith(GENERATED) ? retyped(method, desc) : null;
        if (callee == null) {
          super.visitMethodInsn(opcode, owner, method, desc, isInterface);
          return;
        }
        // The memory is under the instance, the last argument: cast it in place.
        calls++;
        super.visitInsn(Opcodes.SWAP);
        super.visitTypeInsn(Opcodes.CHECKCAST, PAGED_MEMORY);
        super.visitInsn(Opcodes.SWAP);
        super.visitMethodInsn(opcode, owner, method, callee, isInterface);
      }
    };
  }
}
