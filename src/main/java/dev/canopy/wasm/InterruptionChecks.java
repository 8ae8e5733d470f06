package dev.canopy.wasm;

import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Removes, from Chicory's generated code, the {@code checkInterruption()} call it compiles before
 * every call and at every loop's back edge ({@code Thread.currentThread().isInterrupted()}, and a
 * {@code ChicoryInterruptedException} if so), counting them.
 *
 * <p>Note: the engine never stops a run from outside; metering ends every run within its
 * instruction limit, at the same instruction on every replica. An interrupt, on the other hand, is
 * a local event (the engine's executor shut down, say): it would end one replica's run with a trap
 * the others do not see, and a trap is a result that enters the replicated state. Without the
 * checks a run on an interrupted thread goes on to the end its instructions allow. They are also
 * not free: on the recursive fib workload, two loads and a branch per call made up about a fifth
 * of plain Chicory's time (bench/RESULTS.md). It runs with the counter rewrite ({@link
 * CounterGlobalShortcut#compile}) on every module the engine compiles.
 */
final class InterruptionChecks extends ClassVisitor {
  /** Names the rewrite; part of the disk cache's key (with {@link CounterGlobalShortcut#VERSION}). */
  static final String VERSION = "no-interruption-checks-1";

  private static final String NAME = "checkInterruption";
  private static final String DESCRIPTOR = "()V";

  /** How many checks this visitor has removed. */
  int count;

  InterruptionChecks(ClassVisitor next) {
    super(Opcodes.ASM9, next);
  }

  @Override
  public MethodVisitor visitMethod(
      int access, String name, String descriptor, String signature, String[] exceptions) {
    return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
      @Override
      public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
        // Chicory's own static helper, in the class it generates beside the functions ("...Shaded").
        if (opcode == Opcodes.INVOKESTATIC && method.equals(NAME) && desc.equals(DESCRIPTOR)
            && owner.startsWith("com/dylibso/chicory/$gen/")) {
          count++;
          return;
        }
        super.visitMethodInsn(opcode, owner, method, desc, isInterface);
      }
    };
  }
}
