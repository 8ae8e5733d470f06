package dev.canopy.wasm.instrument;

import java.util.Arrays;

/**
 * Rewrites one function body into its extended form, and writes the wrappers that give extended
 * functions back their original signatures. Original instructions are copied byte for byte, except
 * local indices (shifted past the new parameters) and {@code ref.func} (pointed at the wrapper);
 * only the injected ones are encoded.
 *
 * <p>Every defined function takes three more parameters after its own: the instruction counter
 * (i64), the soft limit (i64, see {@link #SYNC_INTERVAL_INSTRUCTIONS}) and the caller's call depth
 * (i32), and returns only its own results. The body is wrapped in a block of the function's result
 * type, so every way out through the function's label (its end, br, br_if, br_table) reaches one
 * exit sequence: a checkpoint, then the counter written to the global, which the caller reads
 * back right after the call. {@code return} does the same in place.
 *
 * <p>Note: Chicory's compiler turns every {@code global.get}/{@code global.set} into a call
 * through {@code Instance.global(i)}, but maps locals and parameters to JVM locals and arguments.
 * So calls between defined functions carry the counter and depth in as values; the counter comes
 * back through the global (one write at the callee's exit, one read in the caller), and the global
 * is otherwise brought up to date ("synced") only where someone else reads it: before calls to
 * imported (host) functions and through tables (the callee takes it from the global; it is
 * reloaded after the call), before bulk operations, before every injected trap and an original
 * {@code unreachable}, and at checkpoints (function entry, loop headers) when the counter falls
 * below the soft limit. Checkpoints trap if the counter is negative, so a run that returns has a
 * counter of at least 0, and a budget one instruction short traps at the latest at the exit of the
 * function that overspent.
 *
 * <p>Note: the counter used to come back as an extra result (still available through {@code
 * MeteringInstrumenter.Builder#withCounterReturnedInGlobal(false)}). Chicory 1.7.5 returns a
 * multi-value result as a newly allocated {@code long[]}, so every call allocated. Measured on the
 * call-heavy fib(30) ({@code bench/run WasmCallSchemeBench}, bench/RESULTS.md): the global form
 * is about as fast in a quiet JVM (10.5-10.6 ms against 10.7-11.2 ms, plain Chicory 3.8 ms) and
 * far steadier under load (WasmBench fib median 10.6-11.2 ms against 24.6-56.7 ms, bests alike),
 * so it is the default. Neither reaches 30% over plain Chicory on fib.
 */
final class FunctionInstrumenter {
  /**
   * Note: each checkpoint (function entry, loop header, exit) compares the counter with the soft
   * limit; only when the counter falls below it (so at most every this many instructions in each
   * frame, and at the first checkpoint of a function the host or a table called) does it write the
   * counter back to the global, trap if the counter is negative, and set the limit to max(counter -
   * interval, 0). The limit is passed to callees but not back, so a caller's limit may be stale
   * (higher than its callee's): that only makes it sync sooner. Every limit is at most the last
   * synced value minus the interval, so a checkpoint that does not sync has a counter within the
   * interval of the global. This bounds what a trap the program causes itself (division by zero,
   * out-of-bounds access) leaves uncharged in the global to this interval plus the straight-line
   * code since the last checkpoint or call. It depends only on the counter's values, so it is the
   * same on every replica; the counts themselves are exact whatever the interval.
   */
  static final long SYNC_INTERVAL_INSTRUCTIONS = 1_000;

  /** Parameters every defined function gets after its own: counter, soft limit, call depth. */
  static final int EXTRA_PARAMS = 3;

  private static final int OP_SELECT = 0x1B;
  private static final int OP_LOCAL_GET = 0x20;
  private static final int OP_LOCAL_SET = 0x21;
  private static final int OP_LOCAL_TEE = 0x22;
  private static final int OP_GLOBAL_GET = 0x23;
  private static final int OP_GLOBAL_SET = 0x24;
  private static final int OP_I32_CONST = 0x41;
  private static final int OP_I64_CONST = 0x42;
  private static final int OP_I32_GT_U = 0x4B;
  private static final int OP_I64_LT_S = 0x53;
  private static final int OP_I64_GT_S = 0x55;
  private static final int OP_I32_ADD = 0x6A;
  private static final int OP_I32_SUB = 0x6B;
  private static final int OP_I64_SUB = 0x7D;
  private static final int OP_I64_MUL = 0x7E;
  private static final int OP_I64_EXTEND_I32_U = 0xAD;
  private static final int OP_REF_FUNC = 0xD2;
  private static final int BLOCK_TYPE_EMPTY = 0x40;
  static final int I64 = 0x7E;
  static final int I32 = 0x7F;

  // Per-instruction flags.
  private static final int BLOCK_START = 1;
  private static final int LOOP_BODY = 2;

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
  private final int importedFunctionCount;
  /** For every function index, the index of its wrapper, or -1 (imports, unwrapped functions). */
  private final int[] wrapperOf;
  /** Whether extended functions hand their final counter back in the global, not as a result. */
  private final boolean counterInGlobal;

  // Per-body scratch, reused across bodies.
  private int[] opcodes = new int[1024];
  private int[] starts = new int[1024];
  private int[] ends = new int[1024];
  private long[] immediates = new long[1024];
  private byte[] flags = new byte[1024];
  private long[] blockCosts = new long[1025];
  private int[] controlStack = new int[64];
  private boolean hasBulk;

  /** Instructions decoded so far, over all bodies. */
  long instructionCount;

  FunctionInstrumenter(
      CostTable costs,
      int counterGlobal,
      int depthGlobal,
      int maxCallDepth,
      int typeCount,
      int importedFunctionCount,
      int[] wrapperOf,
      boolean counterInGlobal) {
    this.costs = costs;
    this.counterInGlobal = counterInGlobal;
    this.counterGlobal = counterGlobal;
    this.depthGlobal = depthGlobal;
    this.maxCallDepth = maxCallDepth;
    this.typeCount = typeCount;
    this.importedFunctionCount = importedFunctionCount;
    this.wrapperOf = wrapperOf;
  }

  /**
   * The locals of one extended function: the three new parameters, and a scratch i32 after the
   * declared locals (or -1).
   */
  private record MeterLocals(int counter, int limit, int depth, int scratch) {}

  /**
   * Writes the extended code entry (size, locals, expression) for {@code entry}, a function with
   * {@code paramCount} parameters whose result type is encoded as the block type {@code
   * resultBlockType}.
   */
  void instrument(byte[] source, ModuleDecoder.CodeEntry entry, int paramCount, byte[] resultBlockType, ByteSink out) {
    int count = decode(source, entry);
    long firstNewLocal = (long) paramCount + EXTRA_PARAMS + entry.localCount();
    if (firstNewLocal + (hasBulk ? 1 : 0) > ModuleDecoder.MAX_LOCALS_PER_FUNCTION) {
      throw new InvalidWasmException("a function has too many locals to add the metering locals");
    }
    MeterLocals locals =
        new MeterLocals(paramCount, paramCount + 1, paramCount + 2, hasBulk ? (int) firstNewLocal : -1);

    ByteSink body = new ByteSink(entry.bodyEnd() - entry.bodyStart() + count * 6 + 64);
    ByteReader declared = new ByteReader(source, entry.bodyStart(), entry.localsEnd());
    long groups = declared.readU32();
    body.writeU32(groups + (hasBulk ? 1 : 0));
    body.writeBytes(source, declared.position(), entry.localsEnd() - declared.position());
    if (hasBulk) {
      body.writeU32(1).writeByte(I32);
    }

    writeEntry(body, locals, resultBlockType);
    boolean synced = false;
    for (int i = 0; i < count; i++) {
      int op = opcodes[i];
      int flag = flags[i];
      if ((flag & BLOCK_START) != 0) {
        // Conservative: a block start may be a join point.
        synced = false;
        if ((flag & LOOP_BODY) != 0 || i == 0) {
          writeCheckpoint(body, blockCosts[i], locals);
        } else if (blockCosts[i] > 0) {
          writeCharge(body, blockCosts[i], locals.counter());
        }
      }
      switch (op) {
        case InstructionDecoder.CALL:
          if (immediates[i] < importedFunctionCount) {
            writeSyncAndCheck(body, locals, synced);
            copy(body, source, i);
            writeReload(body, locals.counter());
            synced = true;
          } else {
            writeExtraArguments(body, locals, false);
            copy(body, source, i);
            if (counterInGlobal) {
              writeReload(body, locals.counter());
              synced = true;
            } else {
              body.writeByte(OP_LOCAL_SET).writeU32(locals.counter());
              synced = false;
            }
          }
          continue;
        case InstructionDecoder.CALL_INDIRECT:
          // The table holds wrappers (or imports): they take the counter and depth from the globals.
          writeSyncAndCheck(body, locals, synced);
          writeDepthToGlobal(body, locals, false);
          copy(body, source, i);
          writeReload(body, locals.counter());
          synced = true;
          continue;
        case InstructionDecoder.RETURN:
          writeExit(body, locals);
          copy(body, source, i);
          continue;
        case InstructionDecoder.RETURN_CALL:
          if (immediates[i] < importedFunctionCount) {
            // An import returns no counter: call it, then return with ours.
            writeSyncAndCheck(body, locals, synced);
            body.writeByte(InstructionDecoder.CALL).writeU32(immediates[i]);
            writeReload(body, locals.counter());
            writeExit(body, locals);
            body.writeByte(InstructionDecoder.RETURN);
          } else {
            // Replaces this frame: the callee gets this frame's caller's depth.
            writeExtraArguments(body, locals, true);
            copy(body, source, i);
          }
          synced = false;
          continue;
        case InstructionDecoder.RETURN_CALL_INDIRECT:
          // Note: a wrapper returns no counter, so this becomes a call followed by a return; the
          // depth it sees is still this frame's caller's, as for a tail call.
          writeSyncAndCheck(body, locals, synced);
          writeDepthToGlobal(body, locals, true);
          body.writeByte(InstructionDecoder.CALL_INDIRECT);
          body.writeBytes(source, starts[i] + 1, ends[i] - starts[i] - 1);
          writeReload(body, locals.counter());
          writeExit(body, locals);
          body.writeByte(InstructionDecoder.RETURN);
          synced = false;
          continue;
        case InstructionDecoder.UNREACHABLE:
          if (!synced) {
            writeSync(body, locals.counter());
          }
          writeDepthToGlobal(body, locals, false);
          copy(body, source, i);
          synced = true;
          continue;
        case OP_LOCAL_GET:
        case OP_LOCAL_SET:
        case OP_LOCAL_TEE:
          if (immediates[i] >= paramCount) {
            body.writeByte(op).writeU32(immediates[i] + EXTRA_PARAMS);
          } else {
            copy(body, source, i);
          }
          continue;
        case OP_REF_FUNC:
          if (immediates[i] < wrapperOf.length && wrapperOf[(int) immediates[i]] >= 0) {
            body.writeByte(OP_REF_FUNC).writeU32(wrapperOf[(int) immediates[i]]);
          } else {
            copy(body, source, i);
          }
          continue;
        default:
          break;
      }
      if (isBulk(op) && costs.bulkCostPerUnit() > 0) {
        writeDynamicCharge(body, locals);
        synced = true;
      }
      copy(body, source, i);
      if (i == count - 1) {
        // The end of the block around the body: every way out through the function's label.
        writeExit(body, locals);
        body.writeByte(InstructionDecoder.END);
      }
    }
    out.writeU32(body.size());
    out.writeBytes(body.toByteArray());
  }

  /**
   * Writes the code entry of the wrapper that gives extended function {@code extendedIndex} (with
   * {@code paramCount} original parameters) its original signature: it takes the counter and the
   * caller's depth from the globals, calls the extended function (which leaves its counter in the
   * global, or returns it for the wrapper to store) and restores the depth global (so it reads 0 again after a run the host started). The extended
   * function counts the frame and checks the depth; the wrapper charges nothing.
   */
  void writeWrapper(int paramCount, int extendedIndex, ByteSink out) {
    ByteSink body = new ByteSink(24 + paramCount * 3);
    int counter = paramCount;
    int depth = paramCount + 1;
    body.writeU32(2).writeU32(1).writeByte(I64).writeU32(1).writeByte(I32);
    for (int p = 0; p < paramCount; p++) {
      body.writeByte(OP_LOCAL_GET).writeU32(p);
    }
    // The soft limit starts at the counter: the first checkpoint syncs.
    body.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
    body.writeByte(OP_LOCAL_TEE).writeU32(counter);
    body.writeByte(OP_LOCAL_GET).writeU32(counter);
    body.writeByte(OP_GLOBAL_GET).writeU32(depthGlobal);
    body.writeByte(OP_LOCAL_TEE).writeU32(depth);
    body.writeByte(InstructionDecoder.CALL).writeU32(extendedIndex);
    if (!counterInGlobal) {
      body.writeByte(OP_GLOBAL_SET).writeU32(counterGlobal);
    }
    body.writeByte(OP_LOCAL_GET).writeU32(depth);
    body.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
    body.writeByte(InstructionDecoder.END);
    out.writeU32(body.size());
    out.writeBytes(body.toByteArray());
  }

  private void copy(ByteSink body, byte[] source, int i) {
    body.writeBytes(source, starts[i], ends[i] - starts[i]);
  }

  /**
   * Decodes the expression, finds the basic blocks, their costs and the loop bodies; returns the
   * instruction count.
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
      immediates[count] = decoder.index;
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
    controlStack[depth - 1 - (int) label] |= FRAME_TARGETED;
  }

  private void grow() {
    int size = opcodes.length * 2;
    opcodes = Arrays.copyOf(opcodes, size);
    starts = Arrays.copyOf(starts, size);
    ends = Arrays.copyOf(ends, size);
    immediates = Arrays.copyOf(immediates, size);
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
   * At entry: count this frame in the call depth (the parameter becomes this frame's depth),
   * trapping past the maximum with the counter global set to what the caller passed; then open the
   * block around the body.
   */
  private void writeEntry(ByteSink out, MeterLocals locals, byte[] resultBlockType) {
    out.writeByte(OP_LOCAL_GET).writeU32(locals.depth());
    out.writeByte(OP_I32_CONST).writeSigned(1);
    out.writeByte(OP_I32_ADD);
    out.writeByte(OP_LOCAL_TEE).writeU32(locals.depth());
    out.writeByte(OP_I32_CONST).writeSigned(maxCallDepth);
    out.writeByte(OP_I32_GT_U);
    out.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    writeSync(out, locals.counter());
    writeTrap(out, locals);
    out.writeByte(InstructionDecoder.END);
    out.writeByte(InstructionDecoder.BLOCK).writeBytes(resultBlockType);
  }

  /** Counter, soft limit and depth for a call to an extended function (a tail call: the caller's depth). */
  private static void writeExtraArguments(ByteSink out, MeterLocals locals, boolean tailCall) {
    out.writeByte(OP_LOCAL_GET).writeU32(locals.counter());
    out.writeByte(OP_LOCAL_GET).writeU32(locals.limit());
    out.writeByte(OP_LOCAL_GET).writeU32(locals.depth());
    if (tailCall) {
      out.writeByte(OP_I32_CONST).writeSigned(1);
      out.writeByte(OP_I32_SUB);
    }
  }

  /** depth global = this frame's depth (its caller's for a tail call). */
  private void writeDepthToGlobal(ByteSink out, MeterLocals locals, boolean tailCall) {
    out.writeByte(OP_LOCAL_GET).writeU32(locals.depth());
    if (tailCall) {
      out.writeByte(OP_I32_CONST).writeSigned(1);
      out.writeByte(OP_I32_SUB);
    }
    out.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
  }

  /** The counter is the global's again after a call that charged the global. */
  private void writeReload(ByteSink out, int counterLocal) {
    out.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
    out.writeByte(OP_LOCAL_SET).writeU32(counterLocal);
  }

  /** A checkpoint, then the counter handed back: in the global, or as the extra result. */
  private void writeExit(ByteSink out, MeterLocals locals) {
    writeCheckpoint(out, 0, locals);
    if (counterInGlobal) {
      writeSync(out, locals.counter());
    } else {
      out.writeByte(OP_LOCAL_GET).writeU32(locals.counter());
    }
  }

  /** counter -= cost, in the local only. */
  private void writeCharge(ByteSink out, long cost, int counterLocal) {
    out.writeByte(OP_LOCAL_GET).writeU32(counterLocal);
    out.writeByte(OP_I64_CONST).writeSigned(cost);
    out.writeByte(OP_I64_SUB);
    out.writeByte(OP_LOCAL_SET).writeU32(counterLocal);
  }

  /**
   * counter -= cost; if (counter < limit) { sync; trap if counter < 0; limit = max(counter -
   * interval, 0) }.
   */
  private void writeCheckpoint(ByteSink out, long cost, MeterLocals locals) {
    int counter = locals.counter();
    int limit = locals.limit();
    out.writeByte(OP_LOCAL_GET).writeU32(counter);
    if (cost > 0) {
      out.writeByte(OP_I64_CONST).writeSigned(cost);
      out.writeByte(OP_I64_SUB);
      out.writeByte(OP_LOCAL_TEE).writeU32(counter);
    }
    out.writeByte(OP_LOCAL_GET).writeU32(limit);
    out.writeByte(OP_I64_LT_S);
    out.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    writeSyncAndCheck(out, locals, false);
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
    writeSyncAndCheck(out, locals, false);
  }

  private void writeSync(ByteSink out, int counterLocal) {
    out.writeByte(OP_LOCAL_GET).writeU32(counterLocal);
    out.writeByte(OP_GLOBAL_SET).writeU32(counterGlobal);
  }

  /** global = counter (unless it already is); if (counter < 0) trap. */
  private void writeSyncAndCheck(ByteSink out, MeterLocals locals, boolean synced) {
    if (!synced) {
      writeSync(out, locals.counter());
    }
    out.writeByte(OP_LOCAL_GET).writeU32(locals.counter());
    out.writeByte(OP_I64_CONST).writeSigned(0);
    out.writeByte(OP_I64_LT_S);
    out.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    writeTrap(out, locals);
    out.writeByte(InstructionDecoder.END);
  }

  /** Records this frame's depth in the global (the counter is synced already) and traps. */
  private void writeTrap(ByteSink out, MeterLocals locals) {
    writeDepthToGlobal(out, locals, false);
    out.writeByte(InstructionDecoder.UNREACHABLE);
  }
}
