package dev.canopy.wasm.instrument;

import java.util.Arrays;

/**
 * Rewrites one function body: keeps the instruction counter in a local, charges each basic block
 * at its start, writes the counter back to its global where others can observe it, and counts the
 * function's frame in the call depth. Original instructions are copied byte for byte; only the
 * injected ones are encoded.
 *
 * <p>Note: Chicory's compiler turns every {@code global.get}/{@code global.set} into a call
 * through {@code Instance.global(i)}, but maps locals to JVM locals. So a block's charge only
 * subtracts from the local, and the global is brought up to date ("synced") and checked only where
 * another party reads or charges it: before every call (the callee, or a host function, takes the
 * counter from the global; it is reloaded after the call returns), before every exit of the
 * function (return, tail call, branch to the function's label, its final end), before the
 * injected trap and before an original {@code unreachable}. Every exit checks, so a run that
 * returns has a counter of at least 0, and a budget one instruction short traps at the latest at
 * the function's exit. Loop headers check against a soft limit instead: see {@link
 * #SYNC_INTERVAL_INSTRUCTIONS}.
 */
final class FunctionInstrumenter {
  /**
   * Note: each loop header compares the local counter with a soft limit kept in a second local;
   * only when the counter falls below it (so at most every this many instructions, and at the first
   * iteration after a call or entry) does it write the counter back to the global, trap if the
   * counter is negative, and set the limit to max(counter - interval, 0). The fast path is one
   * compare of two locals. This bounds what a trap the program causes itself (division by zero,
   * out-of-bounds access) leaves uncharged in the global to this interval plus the straight-line
   * code since the last loop header, call or entry. It depends only on the counter's values, so it
   * is the same on every replica; the counts themselves are exact whatever the interval.
   */
  static final long SYNC_INTERVAL_INSTRUCTIONS = 1_000;

  private static final int OP_SELECT = 0x1B;
  private static final int OP_LOCAL_GET = 0x20;
  private static final int OP_LOCAL_SET = 0x21;
  private static final int OP_LOCAL_TEE = 0x22;
  private static final int OP_GLOBAL_GET = 0x23;
  private static final int OP_GLOBAL_SET = 0x24;
  private static final int OP_I32_CONST = 0x41;
  private static final int OP_I64_CONST = 0x42;
  private static final int OP_I32_GE_U = 0x4F;
  private static final int OP_I64_LT_S = 0x53;
  private static final int OP_I64_GT_S = 0x55;
  private static final int OP_I32_ADD = 0x6A;
  private static final int OP_I64_SUB = 0x7D;
  private static final int OP_I64_MUL = 0x7E;
  private static final int OP_I64_EXTEND_I32_U = 0xAD;
  private static final int BLOCK_TYPE_EMPTY = 0x40;
  private static final int I64 = 0x7E;
  private static final int I32 = 0x7F;

  // Per-instruction flags.
  private static final int BLOCK_START = 1;
  private static final int LOOP_BODY = 2;
  private static final int EXITS_FUNCTION = 4;

  // Control frame kinds on the decoder's stack, plus a flag for blocks some branch targets.
  private static final int FRAME_FUNCTION = 0;
  private static final int FRAME_BLOCK = 1;
  private static final int FRAME_LOOP = 2;
  private static final int FRAME_IF = 3;
  private static final int FRAME_ELSE = 4;
  private static final int FRAME_TARGETED = 8;

  private final CostTable costs;
  private final int counterGlobal;
  private final int depthGlobal;
  private final int maxCallDepth;
  private final int typeCount;

  // Per-body scratch, reused across bodies.
  private int[] opcodes = new int[1024];
  private int[] starts = new int[1024];
  private int[] ends = new int[1024];
  private byte[] flags = new byte[1024];
  private long[] blockCosts = new long[1025];
  private int[] controlStack = new int[64];
  private boolean hasLoop;
  private boolean hasBulk;

  /** Instructions decoded so far, over all bodies. */
  long instructionCount;

  FunctionInstrumenter(CostTable costs, int counterGlobal, int depthGlobal, int maxCallDepth, int typeCount) {
    this.costs = costs;
    this.counterGlobal = counterGlobal;
    this.depthGlobal = depthGlobal;
    this.maxCallDepth = maxCallDepth;
    this.typeCount = typeCount;
  }

  /** The locals this adds to one function. */
  private record MeterLocals(int counter, int softLimit, int depth, int scratch) {}

  /** Writes the instrumented code entry (size, locals, expression) for {@code entry}. */
  void instrument(byte[] source, ModuleDecoder.CodeEntry entry, int paramCount, ByteSink out) {
    int count = decode(source, entry);
    long firstNewLocal = paramCount + entry.localCount();
    int i64Count = hasLoop ? 2 : 1;
    int i32Count = hasBulk ? 2 : 1;
    if (firstNewLocal + i64Count + i32Count > ModuleDecoder.MAX_LOCALS_PER_FUNCTION) {
      throw new InvalidWasmException("a function has too many locals to add the metering locals");
    }
    int first = (int) firstNewLocal;
    MeterLocals locals =
        new MeterLocals(first, hasLoop ? first + 1 : -1, first + i64Count, hasBulk ? first + i64Count + 1 : -1);

    ByteSink body = new ByteSink(entry.bodyEnd() - entry.bodyStart() + count * 6 + 64);
    ByteReader declared = new ByteReader(source, entry.bodyStart(), entry.localsEnd());
    long groups = declared.readU32();
    body.writeU32(groups + 2);
    body.writeBytes(source, declared.position(), entry.localsEnd() - declared.position());
    body.writeU32(i64Count).writeByte(I64);
    body.writeU32(i32Count).writeByte(I32);

    writeEntry(body, locals);
    boolean synced = true;
    for (int i = 0; i < count; i++) {
      int op = opcodes[i];
      int flag = flags[i];
      if ((flag & BLOCK_START) != 0) {
        // Conservative: a block start may be a join point.
        synced = false;
        if ((flag & LOOP_BODY) != 0) {
          writeLoopHeader(body, blockCosts[i], locals);
        } else if (blockCosts[i] > 0) {
          writeCharge(body, blockCosts[i], locals.counter());
        }
      }
      boolean last = i == count - 1;
      switch (op) {
        case InstructionDecoder.CALL:
        case InstructionDecoder.CALL_INDIRECT:
          writeSyncAndCheck(body, locals.counter(), synced);
          copy(body, source, i);
          // The callee charged the global.
          body.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
          body.writeByte(OP_LOCAL_SET).writeU32(locals.counter());
          synced = true;
          continue;
        case InstructionDecoder.RETURN:
        case InstructionDecoder.RETURN_CALL:
        case InstructionDecoder.RETURN_CALL_INDIRECT:
          writeSyncAndCheck(body, locals.counter(), synced);
          writeDepthRestore(body, locals.depth());
          copy(body, source, i);
          synced = true;
          continue;
        case InstructionDecoder.UNREACHABLE:
          if (!synced) {
            writeSync(body, locals.counter());
          }
          copy(body, source, i);
          synced = true;
          continue;
        default:
          break;
      }
      if (isBulk(op) && costs.bulkCostPerUnit() > 0) {
        writeDynamicCharge(body, locals);
        synced = true;
      }
      if ((flag & EXITS_FUNCTION) != 0 || last) {
        writeSyncAndCheck(body, locals.counter(), synced);
        writeDepthRestore(body, locals.depth());
        synced = true;
      }
      copy(body, source, i);
      if (op == InstructionDecoder.BR_IF && (flag & EXITS_FUNCTION) != 0) {
        // Not taken: the frame is still there.
        writeDepthEnter(body, locals.depth());
      }
    }
    out.writeU32(body.size());
    out.writeBytes(body.toByteArray());
  }

  private void copy(ByteSink body, byte[] source, int i) {
    body.writeBytes(source, starts[i], ends[i] - starts[i]);
  }

  /**
   * Decodes the expression, finds the basic blocks and their costs, loop bodies and branches that
   * leave the function; returns the instruction count.
   */
  private int decode(byte[] source, ModuleDecoder.CodeEntry entry) {
    InstructionDecoder decoder =
        new InstructionDecoder(new ByteReader(source, entry.localsEnd(), entry.bodyEnd()), typeCount);
    int count = 0;
    int depth = 1; // the function body's own frame
    controlStack[0] = FRAME_FUNCTION;
    int blockStart = 0;
    long blockCost = costs.functionEntryCost();
    boolean finished = false;
    int nextFlags = BLOCK_START;
    hasLoop = false;
    hasBulk = false;
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
      flags[count] = (byte) nextFlags;
      nextFlags = 0;
      blockCosts[count] = 0;
      blockCost += costs.cost(op);
      hasBulk |= isBulk(op);
      boolean endsBlock;
      switch (op) {
        case InstructionDecoder.BLOCK:
        case InstructionDecoder.LOOP:
        case InstructionDecoder.IF:
          if (depth == controlStack.length) {
            controlStack = Arrays.copyOf(controlStack, depth * 2);
          }
          controlStack[depth++] =
              op == InstructionDecoder.BLOCK ? FRAME_BLOCK : op == InstructionDecoder.LOOP ? FRAME_LOOP : FRAME_IF;
          hasLoop |= op == InstructionDecoder.LOOP;
          endsBlock = op != InstructionDecoder.BLOCK;
          break;
        case InstructionDecoder.ELSE:
          if (depth <= 1 || (controlStack[depth - 1] & ~FRAME_TARGETED) != FRAME_IF) {
            throw InvalidWasmException.at(decoder.start, "else outside an if");
          }
          controlStack[depth - 1] = FRAME_ELSE | (controlStack[depth - 1] & FRAME_TARGETED);
          endsBlock = true;
          break;
        case InstructionDecoder.END: {
          int frame = controlStack[--depth];
          int kind = frame & ~FRAME_TARGETED;
          // Note: only an end that a branch or the other arm of an if can reach is a join point;
          // the end of a loop or of a block no branch targets just continues the straight line.
          endsBlock = kind == FRAME_IF || kind == FRAME_ELSE || kind == FRAME_FUNCTION
              || (frame & FRAME_TARGETED) != 0;
          if (depth == 0) {
            finished = true;
          }
          break;
        }
        case InstructionDecoder.BR:
        case InstructionDecoder.BR_IF:
          markTarget(decoder.index, depth, count, decoder.start);
          endsBlock = true;
          break;
        case InstructionDecoder.BR_TABLE:
          for (int t = 0; t < decoder.tableLabelCount; t++) {
            markTarget(decoder.tableLabels[t], depth, count, decoder.start);
          }
          endsBlock = true;
          break;
        case InstructionDecoder.RETURN:
        case InstructionDecoder.UNREACHABLE:
        case InstructionDecoder.RETURN_CALL:
        case InstructionDecoder.RETURN_CALL_INDIRECT:
          endsBlock = true;
          break;
        default:
          endsBlock = false;
          break;
      }
      count++;
      if (endsBlock) {
        blockCosts[blockStart] = blockCost;
        blockStart = count;
        blockCost = 0;
        nextFlags = BLOCK_START | (op == InstructionDecoder.LOOP ? LOOP_BODY : 0);
      }
    }
    if (!finished) {
      throw InvalidWasmException.at(entry.bodyEnd(), "function body does not end with end");
    }
    instructionCount += count;
    return count;
  }

  /** Records that the branch at {@code at} targets label {@code label} (0 = innermost). */
  private void markTarget(long label, int depth, int at, int offset) {
    if (label < 0 || label >= depth) {
      throw InvalidWasmException.at(offset, "branch label " + label + " out of range");
    }
    int frame = depth - 1 - (int) label;
    controlStack[frame] |= FRAME_TARGETED;
    if (frame == 0) {
      flags[at] |= EXITS_FUNCTION;
    }
  }

  private void grow() {
    int size = opcodes.length * 2;
    opcodes = Arrays.copyOf(opcodes, size);
    starts = Arrays.copyOf(starts, size);
    ends = Arrays.copyOf(ends, size);
    flags = Arrays.copyOf(flags, size);
    blockCosts = Arrays.copyOf(blockCosts, size + 1);
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

  /**
   * At entry: count this frame in the call depth (trapping past the maximum, with the counter
   * global already exact: the caller synced it) and load the counter into its local.
   */
  private void writeEntry(ByteSink out, MeterLocals locals) {
    out.writeByte(OP_GLOBAL_GET).writeU32(depthGlobal);
    out.writeByte(OP_LOCAL_TEE).writeU32(locals.depth());
    out.writeByte(OP_I32_CONST).writeSigned(1);
    out.writeByte(OP_I32_ADD);
    out.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
    out.writeByte(OP_LOCAL_GET).writeU32(locals.depth());
    out.writeByte(OP_I32_CONST).writeSigned(maxCallDepth);
    out.writeByte(OP_I32_GE_U);
    writeTrapIfTrue(out);
    out.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
    if (locals.softLimit() >= 0) {
      // The soft limit starts at the counter: the first loop header syncs.
      out.writeByte(OP_LOCAL_TEE).writeU32(locals.counter());
      out.writeByte(OP_LOCAL_SET).writeU32(locals.softLimit());
    } else {
      out.writeByte(OP_LOCAL_SET).writeU32(locals.counter());
    }
  }

  /** The depth local holds the depth before this frame; restore it on the way out. */
  private void writeDepthRestore(ByteSink out, int depthLocal) {
    out.writeByte(OP_LOCAL_GET).writeU32(depthLocal);
    out.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
  }

  private void writeDepthEnter(ByteSink out, int depthLocal) {
    out.writeByte(OP_LOCAL_GET).writeU32(depthLocal);
    out.writeByte(OP_I32_CONST).writeSigned(1);
    out.writeByte(OP_I32_ADD);
    out.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
  }

  /** counter -= cost, in the local only. */
  private void writeCharge(ByteSink out, long cost, int counterLocal) {
    out.writeByte(OP_LOCAL_GET).writeU32(counterLocal);
    out.writeByte(OP_I64_CONST).writeSigned(cost);
    out.writeByte(OP_I64_SUB);
    out.writeByte(OP_LOCAL_SET).writeU32(counterLocal);
  }

  /**
   * counter -= cost; if (counter < softLimit) { sync; trap if counter < 0; softLimit = max(counter
   * - interval, 0) }.
   */
  private void writeLoopHeader(ByteSink out, long cost, MeterLocals locals) {
    int counter = locals.counter();
    int limit = locals.softLimit();
    out.writeByte(OP_LOCAL_GET).writeU32(counter);
    if (cost > 0) {
      out.writeByte(OP_I64_CONST).writeSigned(cost);
      out.writeByte(OP_I64_SUB);
      out.writeByte(OP_LOCAL_TEE).writeU32(counter);
    }
    out.writeByte(OP_LOCAL_GET).writeU32(limit);
    out.writeByte(OP_I64_LT_S);
    out.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    writeSyncAndCheck(out, counter, false);
    out.writeByte(OP_LOCAL_GET).writeU32(counter);
    out.writeByte(OP_I64_CONST).writeSigned(SYNC_INTERVAL_INSTRUCTIONS);
    out.writeByte(OP_I64_SUB);
    out.writeByte(OP_LOCAL_TEE).writeU32(limit);
    out.writeByte(OP_I64_CONST).writeSigned(0);
    out.writeByte(OP_LOCAL_GET).writeU32(limit);
    out.writeByte(OP_I64_CONST).writeSigned(0);
    out.writeByte(OP_I64_GT_S);
    out.writeByte(OP_SELECT);
    out.writeByte(OP_LOCAL_SET).writeU32(limit);
    out.writeByte(InstructionDecoder.END);
  }

  /** With the i32 size operand on top: counter -= size * perUnit, sync, trap if negative; size stays. */
  private void writeDynamicCharge(ByteSink out, MeterLocals locals) {
    out.writeByte(OP_LOCAL_TEE).writeU32(locals.scratch());
    out.writeByte(OP_LOCAL_GET).writeU32(locals.counter());
    out.writeByte(OP_LOCAL_GET).writeU32(locals.scratch());
    out.writeByte(OP_I64_EXTEND_I32_U);
    if (costs.bulkCostPerUnit() != 1) {
      out.writeByte(OP_I64_CONST).writeSigned(costs.bulkCostPerUnit());
      out.writeByte(OP_I64_MUL);
    }
    out.writeByte(OP_I64_SUB);
    out.writeByte(OP_LOCAL_SET).writeU32(locals.counter());
    writeSyncAndCheck(out, locals.counter(), false);
  }

  private void writeSync(ByteSink out, int counterLocal) {
    out.writeByte(OP_LOCAL_GET).writeU32(counterLocal);
    out.writeByte(OP_GLOBAL_SET).writeU32(counterGlobal);
  }

  /** global = counter (unless it already is); if (counter < 0) unreachable. */
  private void writeSyncAndCheck(ByteSink out, int counterLocal, boolean synced) {
    if (!synced) {
      writeSync(out, counterLocal);
    }
    out.writeByte(OP_LOCAL_GET).writeU32(counterLocal);
    out.writeByte(OP_I64_CONST).writeSigned(0);
    out.writeByte(OP_I64_LT_S);
    writeTrapIfTrue(out);
  }

  private static void writeTrapIfTrue(ByteSink out) {
    out.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    out.writeByte(InstructionDecoder.UNREACHABLE);
    out.writeByte(InstructionDecoder.END);
  }
}
