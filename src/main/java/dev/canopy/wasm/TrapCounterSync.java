package dev.canopy.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import dev.canopy.wasm.instrument.MeteringInstrumenter.MeteringSection;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Gives every compiled function of an instrumented module (Chicory's {@code func_N} for the
 * functions {@link MeteringInstrumenter} extended, named by its {@value
 * MeteringInstrumenter#METERING_SECTION} section) an exception handler around its whole body that,
 * when a trap passes through, lowers the instruction counter global to the function's own counter
 * local if that is smaller ({@link CounterGlobalAccess#trapped}), then throws the trap on. Counts
 * the functions.
 *
 * <p>Note: the instrumented code keeps the counter in a local and writes it to the global only
 * where the host or a caller needs it, so a trap the program causes itself (an out-of-bounds
 * access, a division by zero) would leave the global behind by what the frames on the stack have
 * charged since. At every point the counter is valid in the local or in the global, and it only
 * falls, so the smaller of the two is the count: the innermost frame's handler brings the global
 * to it, and the outer frames' (larger) locals and a host function's own charges (already in the
 * global) change nothing. So a trap is charged exactly what ran up to the trapping block, and the
 * instrumenter needs no periodic sync (its cost: bench/RESULTS.md, "where fib's metering goes").
 * The handler costs nothing until a trap; the JIT keeps the counter where the handler can read it.
 *
 * <p>It runs with the counter rewrite ({@link CounterGlobalShortcut#compile}) on every module the
 * engine compiles; a module without the section (not instrumented) is left as it is.
 */
final class TrapCounterSync extends ClassVisitor {
  /** Names the rewrite; part of the disk cache's key (with {@link CounterGlobalShortcut#VERSION}). */
  static final String VERSION = "trap-counter-sync-1";

  private static final String INSTANCE = Type.getInternalName(Instance.class);
  private static final String TRAPPED_DESCRIPTOR =
      Type.getMethodDescriptor(Type.VOID_TYPE, Type.LONG_TYPE, Type.getType(Instance.class), Type.INT_TYPE);
  /** What a trap is in compiled code (Chicory's traps, the host's, the memory's). */
  private static final String CAUGHT = "java/lang/RuntimeException";
  /** The handler's own stack: the trap, the counter (two slots), the instance, the global's index. */
  private static final int HANDLER_STACK = 5;

  /** The module's {@value MeteringInstrumenter#METERING_SECTION} section, or null if it has none. */
  static MeteringSection metering(WasmModule module) {
    CustomSection section = module.customSection(MeteringInstrumenter.METERING_SECTION);
    return section instanceof UnknownCustomSection raw ? MeteringSection.read(raw.bytes()) : null;
  }

  private final MeteringSection metering;
  /** How many functions got the handler. */
  int count;

  TrapCounterSync(ClassVisitor next, MeteringSection metering) {
    super(Opcodes.ASM9, next);
    this.metering = metering;
  }

  @Override
  public MethodVisitor visitMethod(
      int access, String name, String descriptor, String signature, String[] exceptions) {
    MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
    int function = CounterGlobalShortcut.compiledFunctionIndex(name);
    if (metering == null || (access & Opcodes.ACC_STATIC) == 0 || function < 0 || !metering.extended(function)) {
      return next;
    }
    count++;
    return new HandlerAdder(next, name, descriptor);
  }

  /**
   * Wraps one function's live code in the handler: every stretch from the start or a full frame
   * that holds the parameters, up to a full frame that does not (the dead code ASM left in
   * Chicory's classes: a frame without locals, then {@code nop}s and an {@code athrow}), which the
   * handler's frame, naming the counter and the instance, could not cover.
   */
  private final class HandlerAdder extends PeepholeMethodVisitor {
    private final Type[] params;
    private final int counterSlot;
    private final int instanceSlot;
    private final Label handler = new Label();
    private final List<Label[]> ranges = new ArrayList<>();
    /** Where the current live stretch began, or null outside one. */
    private Label rangeStart;
    private Label lastLabel;
    /** Outside a stretch: the label just visited, where one starts if a full frame follows. */
    private Label candidate;
    /** Instructions since the current stretch began, so that no stretch is empty. */
    private int instructions;

    HandlerAdder(MethodVisitor next, String name, String descriptor) {
      super(next);
      this.params = Type.getArgumentTypes(descriptor);
      int n = params.length;
      // An extended function's parameters end (..., counter i64, depth i32, memory, instance).
      if (n < 4 || params[n - 4].getSort() != Type.LONG || params[n - 3].getSort() != Type.INT
          || params[n - 1].getSort() != Type.OBJECT || !params[n - 1].getInternalName().equals(INSTANCE)) {
        throw new IllegalStateException(name + descriptor + " is not an instrumented function's shape");
      }
      int slot = 0;
      for (int i = 0; i < n - 4; i++) {
        slot += params[i].getSize();
      }
      this.counterSlot = slot;
      this.instanceSlot = slot + 2 + 1 + 1; // past the counter, the depth and the memory
    }

    // Note: labels, frames and what this adds go straight to the next visitor (mv); only
    // instructions pass through flush(), which is this visitor's hook before each of them.

    /** An instruction follows. */
    @Override
    void flush() {
      candidate = null; // a stretch starts only at a frame
      instructions++;
    }

    @Override
    public void visitCode() {
      mv.visitCode();
      rangeStart = new Label();
      mv.visitLabel(rangeStart);
      instructions = 0;
    }

    @Override
    public void visitLabel(Label label) {
      mv.visitLabel(label);
      lastLabel = label;
      if (rangeStart == null) {
        candidate = label;
      }
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
      if (type == Opcodes.F_FULL || type == Opcodes.F_NEW) {
        int n = params.length;
        boolean holdsParameters = numLocal >= n && Opcodes.LONG.equals(local[n - 4])
            && INSTANCE.equals(local[n - 1]);
        if (rangeStart != null && !holdsParameters) {
          closeRange(lastLabel);
        } else if (rangeStart == null && candidate != null && holdsParameters) {
          rangeStart = candidate;
          instructions = 0;
        }
      }
      candidate = null;
      mv.visitFrame(type, numLocal, local, numStack, stack);
    }

    @Override
    public void visitLineNumber(int line, Label start) {
      mv.visitLineNumber(line, start);
    }

    @Override
    public void visitTryCatchBlock(Label start, Label end, Label target, String type) {
      mv.visitTryCatchBlock(start, end, target, type);
    }

    private void closeRange(Label end) {
      if (instructions > 0) {
        ranges.add(new Label[] {rangeStart, end});
      }
      rangeStart = null;
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
      if (rangeStart != null) {
        Label end = new Label();
        mv.visitLabel(end);
        closeRange(end);
      }
      // After Chicory's own handlers (none so far), so theirs would come first.
      for (Label[] range : ranges) {
        mv.visitTryCatchBlock(range[0], range[1], handler, CAUGHT);
      }
      mv.visitLabel(handler);
      // Only the two slots the handler reads are typed: Chicory's code stores into others (it
      // reloads the memory into its slot as a plain Memory, for one), which a typed frame refuses.
      List<Object> locals = new ArrayList<>();
      for (int i = 0; i < params.length; i++) {
        if (i == params.length - 4) {
          locals.add(Opcodes.LONG);
        } else if (i == params.length - 1) {
          locals.add(INSTANCE);
        } else {
          for (int k = 0; k < params[i].getSize(); k++) {
            locals.add(Opcodes.TOP);
          }
        }
      }
      mv.visitFrame(Opcodes.F_FULL, locals.size(), locals.toArray(), 1, new Object[] {CAUGHT});
      mv.visitVarInsn(Opcodes.LLOAD, counterSlot);
      mv.visitVarInsn(Opcodes.ALOAD, instanceSlot);
      mv.visitLdcInsn(metering.counterGlobal());
      mv.visitMethodInsn(Opcodes.INVOKESTATIC, Type.getInternalName(CounterGlobalAccess.class), "trapped",
          TRAPPED_DESCRIPTOR, false);
      mv.visitInsn(Opcodes.ATHROW);
      mv.visitMaxs(Math.max(maxStack, HANDLER_STACK), maxLocals);
    }
  }
}
