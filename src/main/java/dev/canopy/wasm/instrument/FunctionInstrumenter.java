package dev.canopy.wasm.instrument;

import java.util.Arrays;

/**
 * Rewrites one function body: charges each basic block at its start, charges bulk operations by
 * their size operand, and counts call depth around calls. Original instructions are copied byte for
 * byte; only the injected ones are encoded.
 */
final class FunctionInstrumenter {
  private static final int OP_LOCAL_GET = 0x20;
  private static final int OP_LOCAL_TEE = 0x22;
  private static final int OP_GLOBAL_GET = 0x23;
  private static final int OP_GLOBAL_SET = 0x24;
  private static final int OP_I32_CONST = 0x41;
  private static final int OP_I64_CONST = 0x42;
  private static final int OP_I32_GT_U = 0x4B;
  private static final int OP_I64_LT_S = 0x53;
  private static final int OP_I32_ADD = 0x6A;
  private static final int OP_I32_SUB = 0x6B;
  private static final int OP_I64_SUB = 0x7D;
  private static final int OP_I64_MUL = 0x7E;
  private static final int OP_I64_EXTEND_I32_U = 0xAD;
  private static final int BLOCK_TYPE_EMPTY = 0x40;
  private static final int I64 = 0x7E;
  private static final int I32 = 0x7F;

  private final CostTable costs;
  private final int counterGlobal;
  private final int depthGlobal;
  private final int maxCallDepth;
  private final int typeCount;

  // Per-body scratch, reused across bodies.
  private int[] opcodes = new int[1024];
  private int[] starts = new int[1024];
  private int[] ends = new int[1024];
  private long[] blockCosts = new long[1025];
  private int[] controlStack = new int[64];

  /** Instructions decoded so far, over all bodies. */
  long instructionCount;

  FunctionInstrumenter(CostTable costs, int counterGlobal, int depthGlobal, int maxCallDepth, int typeCount) {
    this.costs = costs;
    this.counterGlobal = counterGlobal;
    this.depthGlobal = depthGlobal;
    this.maxCallDepth = maxCallDepth;
    this.typeCount = typeCount;
  }

  /** Writes the instrumented code entry (size, locals, expression) for {@code entry}. */
  void instrument(byte[] source, ModuleDecoder.CodeEntry entry, int paramCount, ByteSink out) {
    int count = decode(source, entry);
    boolean needsI32 = false;
    for (int i = 0; i < count; i++) {
      if (isCall(opcodes[i]) || isBulk(opcodes[i])) {
        needsI32 = true;
        break;
      }
    }
    long firstNewLocal = paramCount + entry.localCount();
    if (firstNewLocal + 2 > ModuleDecoder.MAX_LOCALS_PER_FUNCTION) {
      throw new InvalidWasmException("a function has too many locals to add the metering locals");
    }
    int counterLocal = (int) firstNewLocal;
    int depthLocal = counterLocal + 1;

    ByteSink body = new ByteSink(entry.bodyEnd() - entry.bodyStart() + count * 4 + 64);
    ByteReader locals = new ByteReader(source, entry.bodyStart(), entry.localsEnd());
    long groups = locals.readU32();
    body.writeU32(groups + (needsI32 ? 2 : 1));
    body.writeBytes(source, locals.position(), entry.localsEnd() - locals.position());
    body.writeU32(1).writeByte(I64);
    if (needsI32) {
      body.writeU32(1).writeByte(I32);
    }

    for (int i = 0; i < count; i++) {
      if (blockCosts[i] > 0) {
        writeCharge(body, blockCosts[i], counterLocal);
      }
      int op = opcodes[i];
      if (isBulk(op) && costs.bulkCostPerUnit() > 0) {
        writeDynamicCharge(body, counterLocal, depthLocal);
      }
      boolean call = isCall(op);
      if (call) {
        writeDepthIncrement(body, depthLocal);
      }
      body.writeBytes(source, starts[i], ends[i] - starts[i]);
      if (call) {
        writeDepthDecrement(body);
      }
    }
    out.writeU32(body.size());
    out.writeBytes(body.toByteArray());
  }

  /** Decodes the expression and computes each basic block's cost; returns the instruction count. */
  private int decode(byte[] source, ModuleDecoder.CodeEntry entry) {
    InstructionDecoder decoder =
        new InstructionDecoder(new ByteReader(source, entry.localsEnd(), entry.bodyEnd()), typeCount);
    int count = 0;
    int depth = 1; // the function body's own block
    int blockStart = 0;
    long blockCost = costs.functionEntryCost();
    boolean finished = false;
    while (!decoder.atEnd()) {
      if (finished) {
        throw InvalidWasmException.at(decoder.position(), "instructions after the function's final end");
      }
      int op = decoder.next();
      if (count == opcodes.length) {
        grow();
      }
      opcodes[count] = op;
      starts[count] = decoder.start;
      ends[count] = decoder.end;
      blockCosts[count] = 0;
      blockCost += costs.cost(op);
      count++;
      switch (op) {
        case InstructionDecoder.BLOCK:
        case InstructionDecoder.LOOP:
        case InstructionDecoder.IF:
          if (depth == controlStack.length) {
            controlStack = Arrays.copyOf(controlStack, depth * 2);
          }
          controlStack[depth++] = op;
          break;
        case InstructionDecoder.ELSE:
          if (depth <= 1 || controlStack[depth - 1] != InstructionDecoder.IF) {
            throw InvalidWasmException.at(decoder.start, "else outside an if");
          }
          controlStack[depth - 1] = InstructionDecoder.ELSE;
          break;
        case InstructionDecoder.END:
          depth--;
          if (depth == 0) {
            finished = true;
          }
          break;
        default:
          break;
      }
      if (endsBasicBlock(op)) {
        blockCosts[blockStart] = blockCost;
        blockStart = count;
        blockCost = 0;
      }
    }
    if (!finished) {
      throw InvalidWasmException.at(entry.bodyEnd(), "function body does not end with end");
    }
    blockCosts[count] = 0;
    instructionCount += count;
    return count;
  }

  private void grow() {
    int size = opcodes.length * 2;
    opcodes = Arrays.copyOf(opcodes, size);
    starts = Arrays.copyOf(starts, size);
    ends = Arrays.copyOf(ends, size);
    blockCosts = Arrays.copyOf(blockCosts, size + 1);
  }

  /**
   * Note: a basic block ends where control can enter from elsewhere (after loop, if, else and end,
   * which are branch targets or arms) or leave (after br, br_if, br_table, return, unreachable and
   * tail calls). Calls do not end a block: the callee charges its own blocks and returns here, as
   * in the IC's instrumentation.
   */
  private static boolean endsBasicBlock(int op) {
    switch (op) {
      case InstructionDecoder.LOOP:
      case InstructionDecoder.IF:
      case InstructionDecoder.ELSE:
      case InstructionDecoder.END:
      case InstructionDecoder.BR:
      case InstructionDecoder.BR_IF:
      case InstructionDecoder.BR_TABLE:
      case InstructionDecoder.RETURN:
      case InstructionDecoder.UNREACHABLE:
      case InstructionDecoder.RETURN_CALL:
      case InstructionDecoder.RETURN_CALL_INDIRECT:
        return true;
      default:
        return false;
    }
  }

  private static boolean isCall(int op) {
    return op == InstructionDecoder.CALL || op == InstructionDecoder.CALL_INDIRECT;
  }

  private static boolean isBulk(int op) {
    switch (op) {
      case InstructionDecoder.MEMORY_FILL:
      case InstructionDecoder.MEMORY_COPY:
      case InstructionDecoder.MEMORY_INIT:
      case InstructionDecoder.TABLE_FILL:
      case InstructionDecoder.TABLE_COPY:
      case InstructionDecoder.TABLE_INIT:
        return true;
      default:
        return false;
    }
  }

  /** counter -= cost; if (counter < 0) unreachable. Leaves the operand stack as it was. */
  private void writeCharge(ByteSink out, long cost, int counterLocal) {
    out.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
    out.writeByte(OP_I64_CONST).writeSigned(cost);
    out.writeByte(OP_I64_SUB);
    writeStoreCounterAndCheck(out, counterLocal);
  }

  /** With the i32 size operand on top: counter -= size * perUnit, trap if negative; size stays. */
  private void writeDynamicCharge(ByteSink out, int counterLocal, int scratchI32) {
    out.writeByte(OP_LOCAL_TEE).writeU32(scratchI32);
    out.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
    out.writeByte(OP_LOCAL_GET).writeU32(scratchI32);
    out.writeByte(OP_I64_EXTEND_I32_U);
    if (costs.bulkCostPerUnit() != 1) {
      out.writeByte(OP_I64_CONST).writeSigned(costs.bulkCostPerUnit());
      out.writeByte(OP_I64_MUL);
    }
    out.writeByte(OP_I64_SUB);
    writeStoreCounterAndCheck(out, counterLocal);
  }

  private void writeStoreCounterAndCheck(ByteSink out, int counterLocal) {
    out.writeByte(OP_LOCAL_TEE).writeU32(counterLocal);
    out.writeByte(OP_GLOBAL_SET).writeU32(counterGlobal);
    out.writeByte(OP_LOCAL_GET).writeU32(counterLocal);
    out.writeByte(OP_I64_CONST).writeSigned(0);
    out.writeByte(OP_I64_LT_S);
    writeTrapIfTrue(out);
  }

  /** depth += 1; if (depth > max) unreachable. */
  private void writeDepthIncrement(ByteSink out, int scratchI32) {
    out.writeByte(OP_GLOBAL_GET).writeU32(depthGlobal);
    out.writeByte(OP_I32_CONST).writeSigned(1);
    out.writeByte(OP_I32_ADD);
    out.writeByte(OP_LOCAL_TEE).writeU32(scratchI32);
    out.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
    out.writeByte(OP_LOCAL_GET).writeU32(scratchI32);
    out.writeByte(OP_I32_CONST).writeSigned(maxCallDepth);
    out.writeByte(OP_I32_GT_U);
    writeTrapIfTrue(out);
  }

  private void writeDepthDecrement(ByteSink out) {
    out.writeByte(OP_GLOBAL_GET).writeU32(depthGlobal);
    out.writeByte(OP_I32_CONST).writeSigned(1);
    out.writeByte(OP_I32_SUB);
    out.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
  }

  private static void writeTrapIfTrue(ByteSink out) {
    out.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    out.writeByte(InstructionDecoder.UNREACHABLE);
    out.writeByte(InstructionDecoder.END);
  }
}
