package dev.canopy.wasm;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites, in Chicory's generated code, every integer comparison whose result only decides a
 * branch ({@code invokestatic OpcodeImpl.I32_LT_U; ifeq L}, as Chicory compiles {@code br_if},
 * {@code if} and the like) into the JVM's own compare-and-branch ({@code if_icmpXX}, or {@code
 * lcmp; ifXX}; unsigned ones on operands with the sign bit flipped). Results that are used as
 * values keep Chicory's helper.
 *
 * <p>Note: each helper decides with a branch of its own ({@code a < b ? 1 : 0}), and the JIT
 * inlines it with that branch's profile, which is one for the whole JVM: every canister's every
 * comparison of that kind. A metered loop's checkpoint, whose comparisons are almost never true,
 * thereby taught C2 that {@code i64.lt_s} is never true in any code it inlined it into. Fused, each
 * branch has its own profile, in its own method. The semantics are the helpers' exactly. It runs
 * with the counter rewrite ({@link CounterGlobalShortcut#compile}) on every module the engine
 * compiles.
 */
final class FusedComparisons extends ClassVisitor {
  /** Names the rewrite; part of the disk cache's key (with {@link CounterGlobalShortcut#VERSION}). */
  static final String VERSION = "fused-comparisons-1";

  private static final String OPCODES = "com/dylibso/chicory/runtime/OpcodeImpl";
  private static final String I32_PAIR = "(II)I";
  private static final String I64_PAIR = "(JJ)I";

  /** A comparison: its helper, and when it is true, as the JVM's EQ..LE branch offset. */
  private record Comparison(String name, String descriptor, boolean unsigned, int condition) {}

  // Conditions in the order of the JVM's ifeq, ifne, iflt, ifge, ifgt, ifle (and if_icmpXX).
  private static final int EQ = 0;
  private static final int NE = 1;
  private static final int LT = 2;
  private static final int GE = 3;
  private static final int GT = 4;
  private static final int LE = 5;

  private static final Map<String, Comparison> COMPARISONS = Stream.of(
      new Comparison("I32_EQZ", "(I)I", false, EQ),
      new Comparison("I32_EQ", I32_PAIR, false, EQ),
      new Comparison("I32_NE", I32_PAIR, false, NE),
      new Comparison("I32_LT_S", I32_PAIR, false, LT),
      new Comparison("I32_LT_U", I32_PAIR, true, LT),
      new Comparison("I32_GT_S", I32_PAIR, false, GT),
      new Comparison("I32_GT_U", I32_PAIR, true, GT),
      new Comparison("I32_LE_S", I32_PAIR, false, LE),
      new Comparison("I32_LE_U", I32_PAIR, true, LE),
      new Comparison("I32_GE_S", I32_PAIR, false, GE),
      new Comparison("I32_GE_U", I32_PAIR, true, GE),
      new Comparison("I64_EQZ", "(J)I", false, EQ),
      new Comparison("I64_EQ", I64_PAIR, false, EQ),
      new Comparison("I64_NE", I64_PAIR, false, NE),
      new Comparison("I64_LT_S", I64_PAIR, false, LT),
      new Comparison("I64_LT_U", I64_PAIR, true, LT),
      new Comparison("I64_GT_S", I64_PAIR, false, GT),
      new Comparison("I64_GT_U", I64_PAIR, true, GT),
      new Comparison("I64_LE_S", I64_PAIR, false, LE),
      new Comparison("I64_LE_U", I64_PAIR, true, LE),
      new Comparison("I64_GE_S", I64_PAIR, false, GE),
      new Comparison("I64_GE_U", I64_PAIR, true, GE))
      .collect(Collectors.toUnmodifiableMap(Comparison::name, c -> c));

  /** Comparisons fused so far, over all methods visited. */
  int count;

  FusedComparisons(ClassVisitor next) {
    super(Opcodes.ASM9, next);
  }

  @Override
  public MethodVisitor visitMethod(
      int access, String name, String descriptor, String signature, String[] exceptions) {
    return new MethodFusion(super.visitMethod(access, name, descriptor, signature, exceptions));
  }

  /** The condition that holds when {@code condition} does not. */
  private static int negated(int condition) {
    return condition ^ 1;
  }

  /** The condition on (b, a) that holds when {@code condition} holds on (a, b). */
  private static int mirrored(int condition) {
    return switch (condition) {
      case LT -> GT;
      case GT -> LT;
      case LE -> GE;
      case GE -> LE;
      default -> condition;
    };
  }

  /** Holds back a comparison's call until the next instruction shows whether it only branches. */
  private final class MethodFusion extends PeepholeMethodVisitor {
    private Comparison held;
    /** Operand stack slots the fused code needs beyond what the calls it replaced needed. */
    private int extraStack;

    MethodFusion(MethodVisitor next) {
      super(next);
    }

    @Override
    void flush() {
      if (held != null) {
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, OPCODES, held.name(), held.descriptor(), false);
        held = null;
      }
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      flush();
      Comparison c = opcode == Opcodes.INVOKESTATIC && owner.equals(OPCODES) ? COMPARISONS.get(name) : null;
      if (c != null && c.descriptor().equals(descriptor)) {
        held = c;
        return;
      }
      mv.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
      flush();
      mv.visitMaxs(maxStack + extraStack, maxLocals);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      if (held == null || (opcode != Opcodes.IFEQ && opcode != Opcodes.IFNE)) {
        flush();
        mv.visitJumpInsn(opcode, label);
        return;
      }
      // ifne jumps when the comparison holds, ifeq when it does not.
      Comparison c = held;
      held = null;
      int condition = opcode == Opcodes.IFNE ? c.condition() : negated(c.condition());
      count++;
      if (c.descriptor().equals("(I)I")) {
        mv.visitJumpInsn(Opcodes.IFEQ + condition, label); // a == 0 is a compared with 0
      } else if (c.descriptor().equals("(J)I")) {
        extraStack = Math.max(extraStack, 2);
        mv.visitInsn(Opcodes.LCONST_0);
        mv.visitInsn(Opcodes.LCMP);
        mv.visitJumpInsn(Opcodes.IFEQ + condition, label);
      } else if (c.descriptor().equals(I32_PAIR)) {
        if (c.unsigned()) {
          // Unsigned order is signed order with both sign bits flipped.
          extraStack = Math.max(extraStack, 1);
          mv.visitLdcInsn(Integer.MIN_VALUE);
          mv.visitInsn(Opcodes.IXOR);
          mv.visitInsn(Opcodes.SWAP);
          mv.visitLdcInsn(Integer.MIN_VALUE);
          mv.visitInsn(Opcodes.IXOR);
          mv.visitInsn(Opcodes.SWAP);
        }
        mv.visitJumpInsn(Opcodes.IF_ICMPEQ + condition, label);
      } else {
        if (c.unsigned()) {
          // (a, b) -> (b ^ MIN, a ^ MIN): lcmp then compares them the other way round.
          extraStack = Math.max(extraStack, 2);
          mv.visitLdcInsn(Long.MIN_VALUE);
          mv.visitInsn(Opcodes.LXOR);
          mv.visitInsn(Opcodes.DUP2_X2);
          mv.visitInsn(Opcodes.POP2);
          mv.visitLdcInsn(Long.MIN_VALUE);
          mv.visitInsn(Opcodes.LXOR);
          condition = mirrored(condition);
        }
        mv.visitInsn(Opcodes.LCMP);
        mv.visitJumpInsn(Opcodes.IFEQ + condition, label);
      }
    }
  }
}
