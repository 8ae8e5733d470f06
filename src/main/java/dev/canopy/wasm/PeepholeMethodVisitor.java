package dev.canopy.wasm;

import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * A method visitor that rewrites short instruction sequences of Chicory's generated code: a
 * subclass holds back the start of a pattern it may rewrite, and every instruction, label or frame
 * it does not handle itself first lets it write out what it holds ({@link #flush()}), unchanged.
 */
abstract class PeepholeMethodVisitor extends MethodVisitor {
  // Note: a subclass writes what it held, and what it rewrote it into, straight to the next
  // visitor ({@code mv}): through these methods it would flush again.
  PeepholeMethodVisitor(MethodVisitor next) {
    super(Opcodes.ASM9, next);
  }

  /** Writes out, unchanged, whatever a pattern held back so far. */
  abstract void flush();

  @Override
  public void visitInsn(int opcode) {
    flush();
    super.visitInsn(opcode);
  }

  @Override
  public void visitIntInsn(int opcode, int operand) {
    flush();
    super.visitIntInsn(opcode, operand);
  }

  @Override
  public void visitLdcInsn(Object value) {
    flush();
    super.visitLdcInsn(value);
  }

  @Override
  public void visitVarInsn(int opcode, int varIndex) {
    flush();
    super.visitVarInsn(opcode, varIndex);
  }

  @Override
  public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
    flush();
    super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
  }

  @Override
  public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
    flush();
    super.visitFieldInsn(opcode, owner, name, descriptor);
  }

  @Override
  public void visitTypeInsn(int opcode, String type) {
    flush();
    super.visitTypeInsn(opcode, type);
  }

  @Override
  public void visitJumpInsn(int opcode, Label label) {
    flush();
    super.visitJumpInsn(opcode, label);
  }

  @Override
  public void visitLabel(Label label) {
    flush();
    super.visitLabel(label);
  }

  @Override
  public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
    flush();
    super.visitFrame(type, numLocal, local, numStack, stack);
  }

  @Override
  public void visitIincInsn(int varIndex, int increment) {
    flush();
    super.visitIincInsn(varIndex, increment);
  }

  @Override
  public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
    flush();
    super.visitTableSwitchInsn(min, max, dflt, labels);
  }

  @Override
  public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
    flush();
    super.visitLookupSwitchInsn(dflt, keys, labels);
  }

  @Override
  public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
    flush();
    super.visitMultiANewArrayInsn(descriptor, numDimensions);
  }

  @Override
  public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... args) {
    flush();
    super.visitInvokeDynamicInsn(name, descriptor, bootstrap, args);
  }

  @Override
  public void visitLineNumber(int line, Label start) {
    flush();
    super.visitLineNumber(line, start);
  }

  @Override
  public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
    flush();
    super.visitTryCatchBlock(start, end, handler, type);
  }

  @Override
  public void visitMaxs(int maxStack, int maxLocals) {
    flush();
    super.visitMaxs(maxStack, maxLocals);
  }
}
