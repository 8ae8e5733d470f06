package dev.canopy.wasm.instrument;

import java.util.Arrays;

/**
 * Rewrites one function body into its extended form, and writes the wrappers that give extended
 * functions back their original signatures. Original instructions are copied byte for byte, except
 * local indices (shifted past the new parameters) and {@code ref.func} (pointed at the wrapper);
 * only the injected ones are encoded.
 *
 * <p>Every defined function takes two more parameters after its own: the instruction counter
 * (i64) and the caller's call depth (i32). It hands its final counter back one of two ways (its
 * "channel"): a function with exactly one result writes it to the counter global, which its
 * caller reads; any other function returns it as one more result after its own (see the Note
 * below). The body is wrapped in a block of the function's result type, so every way out through
 * the function's label (its end, br, br_if, br_table) reaches one exit; {@code return} exits in
 * place.
 *
 * <p>Note: Chicory's compiler turns every {@code global.get}/{@code global.set} into a call
 * through {@code Instance.global(i)} (after inlining: about eight dependent loads and two bounds
 * checks, which a call in between forces it to repeat), but maps locals and parameters to JVM
 * locals and arguments. (The engine rewrites its generated code to reach the counter global
 * through the memory instead, two loads, see dev.canopy.wasm.CounterGlobalShortcut; a local is
 * still cheaper.) So the counter travels as a value wherever it can, and the rewriter
 * tracks, at every point of the body, where it is valid: in the local, in the global, or in both.
 * It is moved only where it is needed in the other place (a "reload": global to local; a "sync":
 * local to global): a block's charge and a call to a defined function need the local; an exit
 * through the global channel, a trap and {@code unreachable} need the global; calls to imported
 * (host) functions and through tables need both (and check the counter first, so no host function
 * ever runs with it negative). After a call that hands the counter back through the global, it is
 * valid only there until something needs it: so code that only returns after a call (as in a
 * recursive function's last call) moves it neither back nor out again. Where control flow joins
 * (after an end, at a loop header, at the else arm), every incoming edge establishes the same
 * place: the one the first need after the join asks for, found by a backward pass ({@link
 * #computeNeeds}).
 *
 * <p>Checkpoints trap, with the counter synced, if the counter is negative (a slow path that loop
 * headers and exits call in a function added to the module, see {@link #writeCheckpoint}): at
 * function entry, at loop headers, and at exits ({@code return}, the final end) where the counter
 * leaves from the local. An exit the counter reaches in the global (after a call, directly or
 * through a join that keeps it there) passes none: a negative counter it hands back is turned into
 * a trap by the next checkpoint, call to the host or table, or the wrapper the host called (it
 * checks after the call). So a run that returns has a counter of at least 0, and a budget one
 * instruction short traps.
 *
 * <p>Note: nothing here writes the counter to the global periodically. At every point the counter
 * is valid in the local or the global (or both), and it only falls, so the smaller of the two is
 * always the count; a trap the program causes itself (division by zero, an out-of-bounds access)
 * leaves the global behind by whatever the frames on the stack charged since they last synced,
 * and the engine's compiled code puts that right as the trap passes each function
 * (dev.canopy.wasm.TrapCounterSync: the global becomes the smaller of it and the frame's local).
 * An earlier scheme synced at least every 1,000 instructions through a soft limit passed to every
 * call instead; its slow path, taken every few hundred instructions, cost recursive code about 20
 * points (bench/RESULTS.md, "where fib's metering goes").
 *
 * <p>Note: a multi-value result comes back from Chicory's compiled code as a newly allocated
 * {@code long[]} anyway, so the counter as one more result costs it nothing; a function without
 * results returns the counter as its only result, a plain JVM return value. For a function with
 * one result the counter as a second one allocates an array per call: on fib(30) that is a few
 * points cheaper for the running thread (+131-135% over plain Chicory against +138-142%), but the
 * collector works on other threads, and under load its wall-time medians rose to 6-13x plain
 * against 2.9x through the global (bench/RESULTS.md); so it goes through the global. {@code
 * MeteringInstrumenter.Builder#withCounterReturnedInGlobal(false)} returns it as a result from
 * every function, kept to compare the two.
 */
final class FunctionInstrumenter {
  /** Parameters every defined function gets after its own: counter, call depth. */
  static final int EXTRA_PARAMS = 2;

  private static final int OP_LOCAL_GET = 0x20;
  private static final int OP_LOCAL_SET = 0x21;
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

  /** The frame a branch to the function's own label (or its final end) belongs to. */
  private static final int FUNCTION_FRAME = -1;

  // Where the counter is valid (bits), and so what a point needs.
  private static final byte IN_LOCAL = 1;
  private static final byte IN_GLOBAL = 2;
  private static final byte IN_BOTH = IN_LOCAL | IN_GLOBAL;

  private final CostTable costs;
  private final int counterGlobal;
  private final int depthGlobal;
  private final int maxCallDepth;
  private final int typeCount;
  private final int importedFunctionCount;
  /** For every function index, the index of its wrapper, or -1 (imports, unwrapped functions). */
  private final int[] wrapperOf;
  /** For every function index, whether its extended form returns the counter as a result. */
  private final boolean[] returnsCounter;
  /** The index of the checkpoint's slow path ({@link #writeCheckpointFunction}). */
  private final int checkpointFunction;

  // Per-body scratch, reused across bodies.
  private int[] opcodes = new int[1024];
  private int[] starts = new int[1024];
  private int[] ends = new int[1024];
  private long[] immediates = new long[1024];
  private byte[] flags = new byte[1024];
  private long[] blockCosts = new long[1025];
  /**
   * Per instruction: for br and br_if, the instruction that opens the targeted frame (or {@link
   * #FUNCTION_FRAME}); for br_table, the offset of its targets in {@link #tableTargets}; for
   * else and end, the instruction that opens their frame; for block, loop and if, their end.
   */
  private int[] links = new int[1024];
  /** Per if: its else, or -1. */
  private int[] elses = new int[1024];
  /** The targets of every br_table, each list preceded by its length. */
  private int[] tableTargets = new int[64];
  private int tableTargetCount;
  /** Per instruction (and one past the last, the exit): where the counter must be valid first. */
  private byte[] needs = new byte[1025];
  private int[] controlStack = new int[64];
  private int[] frameStarts = new int[64];
  private byte[] frameStates = new byte[64];
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
      boolean[] returnsCounter,
      int checkpointFunction) {
    this.costs = costs;
    this.counterGlobal = counterGlobal;
    this.depthGlobal = depthGlobal;
    this.maxCallDepth = maxCallDepth;
    this.typeCount = typeCount;
    this.importedFunctionCount = importedFunctionCount;
    this.wrapperOf = wrapperOf;
    this.returnsCounter = returnsCounter;
    this.checkpointFunction = checkpointFunction;
  }

  /**
   * The locals of one extended function: the two new parameters, and a scratch i32 after the
   * declared locals (or -1).
   */
  private record MeterLocals(int counter, int depth, int scratch) {}

  /**
   * Writes the extended code entry (size, locals, expression) for {@code entry}, defined function
   * {@code function} with {@code paramCount} parameters whose result type is encoded as the block
   * type {@code resultBlockType}.
   */
  void instrument(
      byte[] source, ModuleDecoder.CodeEntry entry, int function, int paramCount, byte[] resultBlockType, ByteSink out) {
    int count = decode(source, entry);
    boolean counterResult = returnsCounter[function];
    byte exitNeed = counterResult ? IN_LOCAL : IN_GLOBAL;
    computeNeeds(count, exitNeed);
    long firstNewLocal = (long) paramCount + EXTRA_PARAMS + entry.localCount();
    if (firstNewLocal + (hasBulk ? 1 : 0) > ModuleDecoder.MAX_LOCALS_PER_FUNCTION) {
      throw new InvalidWasmException("a function has too many locals to add the metering locals");
    }
    MeterLocals locals =
        new MeterLocals(paramCount, paramCount + 1, hasBulk ? (int) firstNewLocal : -1);

    ByteSink body = new ByteSink(entry.bodyEnd() - entry.bodyStart() + count * 6 + 64);
    ByteReader declared = new ByteReader(source, entry.bodyStart(), entry.localsEnd());
    long groups = declared.readU32();
    body.writeU32(groups + (hasBulk ? 1 : 0));
    body.writeBytes(source, declared.position(), entry.localsEnd() - declared.position());
    if (hasBulk) {
      body.writeU32(1).writeByte(I32);
    }

    writeEntry(body, locals, resultBlockType);
    byte state = IN_LOCAL;
    int depth = 0; // frames opened inside the body
    for (int i = 0; i < count; i++) {
      int op = opcodes[i];
      int flag = flags[i];
      if ((flag & BLOCK_START) != 0) {
        if ((flag & LOOP_BODY) != 0 || i == 0) {
          // A loop header is a join: every edge into it brings the counter into the local.
          writeCheckpoint(body, blockCosts[i], locals, i > 0);
          state = IN_LOCAL;
        } else if (blockCosts[i] > 0) {
          state = need(body, state, IN_LOCAL, locals);
          writeCharge(body, blockCosts[i], locals.counter());
          state = IN_LOCAL;
        }
      }
      switch (op) {
        case InstructionDecoder.BLOCK:
        case InstructionDecoder.LOOP:
        case InstructionDecoder.IF:
          if (op == InstructionDecoder.LOOP) {
            state = need(body, state, IN_LOCAL, locals);
          } else if (op == InstructionDecoder.IF && elses[i] < 0) {
            // Without an else, the if's end is reached straight from here when the test fails.
            state = need(body, state, join(i, exitNeed), locals);
          }
          if (depth == frameStarts.length) {
            frameStarts = Arrays.copyOf(frameStarts, depth * 2);
            frameStates = Arrays.copyOf(frameStates, depth * 2);
          }
          frameStarts[depth] = i;
          frameStates[depth++] = state;
          copy(body, source, i);
          continue;
        case InstructionDecoder.ELSE:
          state = need(body, state, join(frameStarts[depth - 1], exitNeed), locals);
          copy(body, source, i);
          state = frameStates[depth - 1]; // the else arm starts where the if was
          continue;
        case InstructionDecoder.END:
          if (i == count - 1) {
            // The end of the block around the body: every way out through the function's label.
            state = exit(body, state, exitNeed, locals);
            copy(body, source, i);
            writeCounterResult(body, locals, counterResult);
            body.writeByte(InstructionDecoder.END);
          } else {
            byte joined = join(frameStarts[--depth], exitNeed);
            state = need(body, state, joined, locals);
            copy(body, source, i);
            state = joined;
          }
          continue;
        case InstructionDecoder.BR:
        case InstructionDecoder.BR_IF:
          state = need(body, state, join(links[i], exitNeed), locals);
          copy(body, source, i);
          continue;
        case InstructionDecoder.BR_TABLE: {
          byte all = 0;
          for (int t = 0, n = tableTargets[links[i]]; t < n; t++) {
            all |= join(tableTargets[links[i] + 1 + t], exitNeed);
          }
          state = need(body, state, all, locals);
          copy(body, source, i);
          continue;
        }
        case InstructionDecoder.CALL:
          if (immediates[i] < importedFunctionCount) {
            state = needChecked(body, state, locals);
            copy(body, source, i);
            state = IN_GLOBAL; // the host may have charged
          } else {
            state = need(body, state, IN_LOCAL, locals);
            writeExtraArguments(body, locals, false);
            copy(body, source, i);
            if (returnsCounter[(int) immediates[i]]) {
              body.writeByte(OP_LOCAL_SET).writeU32(locals.counter());
              state = IN_LOCAL;
            } else {
              state = IN_GLOBAL;
            }
          }
          continue;
        case InstructionDecoder.CALL_INDIRECT:
          // The table holds wrappers (or imports): they take the counter and depth from the globals
          // and leave the counter there.
          state = needChecked(body, state, locals);
          writeDepthToGlobal(body, locals, false);
          copy(body, source, i);
          state = IN_GLOBAL;
          continue;
        case InstructionDecoder.RETURN:
          state = exit(body, state, exitNeed, locals);
          writeCounterResult(body, locals, counterResult);
          copy(body, source, i);
          continue;
        case InstructionDecoder.RETURN_CALL:
          if (immediates[i] < importedFunctionCount) {
            // An import returns no counter: call it, then return with ours.
            state = needChecked(body, state, locals);
            body.writeByte(InstructionDecoder.CALL).writeU32(immediates[i]);
            state = exit(body, IN_GLOBAL, exitNeed, locals);
            writeCounterResult(body, locals, counterResult);
            body.writeByte(InstructionDecoder.RETURN);
          } else {
            // Replaces this frame: the callee gets this frame's caller's depth. Both have the same
            // results, so the same channel for the counter.
            state = need(body, state, IN_LOCAL, locals);
            writeExtraArguments(body, locals, true);
            copy(body, source, i);
          }
          continue;
        case InstructionDecoder.RETURN_CALL_INDIRECT:
          // Note: a wrapper returns no counter, so this becomes a call followed by a return; the
          // depth it sees is still this frame's caller's, as for a tail call.
          state = needChecked(body, state, locals);
          writeDepthToGlobal(body, locals, true);
          body.writeByte(InstructionDecoder.CALL_INDIRECT);
          body.writeBytes(source, starts[i] + 1, ends[i] - starts[i] - 1);
          state = exit(body, IN_GLOBAL, exitNeed, locals);
          writeCounterResult(body, locals, counterResult);
          body.writeByte(InstructionDecoder.RETURN);
          continue;
        case InstructionDecoder.UNREACHABLE:
          state = need(body, state, IN_GLOBAL, locals);
          writeDepthToGlobal(body, locals, false);
          copy(body, source, i);
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
        state = need(body, state, IN_LOCAL, locals);
        writeDynamicCharge(body, locals);
        state = IN_BOTH;
      }
      copy(body, source, i);
    }
    out.writeU32(body.size());
    out.writeBytes(body.toByteArray());
  }

  /**
   * Writes the code entry of the wrapper that gives extended function {@code extendedIndex} (with
   * {@code paramCount} original parameters) its original signature: it takes the counter and the
   * caller's depth from the globals, calls the extended function, leaves the counter it hands
   * back in the global, restores the depth global (so it reads 0 again after a run the host
   * started) and traps if the counter is negative. The extended function counts the frame and
   * checks the depth; the wrapper charges nothing.
   */
  void writeWrapper(int paramCount, int extendedIndex, ByteSink out) {
    ByteSink body = new ByteSink(40 + paramCount * 3);
    int counter = paramCount;
    int depth = paramCount + 1;
    body.writeU32(2).writeU32(1).writeByte(I64).writeU32(1).writeByte(I32);
    for (int p = 0; p < paramCount; p++) {
      body.writeByte(OP_LOCAL_GET).writeU32(p);
    }
    body.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
    body.writeByte(OP_LOCAL_TEE).writeU32(counter);
    body.writeByte(OP_GLOBAL_GET).writeU32(depthGlobal);
    body.writeByte(OP_LOCAL_TEE).writeU32(depth);
    body.writeByte(InstructionDecoder.CALL).writeU32(extendedIndex);
    if (returnsCounter[extendedIndex]) {
      body.writeByte(OP_LOCAL_TEE).writeU32(counter);
      body.writeByte(OP_GLOBAL_SET).writeU32(counterGlobal);
    } else {
      body.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
      body.writeByte(OP_LOCAL_SET).writeU32(counter);
    }
    body.writeByte(OP_LOCAL_GET).writeU32(depth);
    body.writeByte(OP_GLOBAL_SET).writeU32(depthGlobal);
    body.writeByte(OP_LOCAL_GET).writeU32(counter);
    body.writeByte(OP_I64_CONST).writeSigned(0);
    body.writeByte(OP_I64_LT_S);
    body.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    body.writeByte(InstructionDecoder.UNREACHABLE);
    body.writeByte(InstructionDecoder.END);
    body.writeByte(InstructionDecoder.END);
    out.writeU32(body.size());
    out.writeBytes(body.toByteArray());
  }

  private void copy(ByteSink body, byte[] source, int i) {
    body.writeBytes(source, starts[i], ends[i] - starts[i]);
  }

  /**
   * Decodes the expression, finds the basic blocks, their costs, the loop bodies and the control
   * structure; returns the instruction count.
   */
  private int decode(byte[] source, ModuleDecoder.CodeEntry entry) {
    InstructionDecoder decoder =
        new InstructionDecoder(new ByteReader(source, entry.localsEnd(), entry.bodyEnd()), typeCount);
    int count = 0;
    int depth = 1; // the function body's own frame
    controlStack[0] = FRAME_FUNCTION;
    frameStarts[0] = FUNCTION_FRAME;
    int blockStart = 0;
    long blockCost = costs.functionEntryCost();
    boolean finished = false;
    int nextFlags = BLOCK_START;
    hasBulk = false;
    tableTargetCount = 0;
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
      links[count] = 0;
      blockCost += costs.cost(op);
      hasBulk |= isBulk(op);
      boolean endsBlock;
      switch (op) {
        case InstructionDecoder.BLOCK:
        case InstructionDecoder.LOOP:
        case InstructionDecoder.IF:
          if (depth == controlStack.length) {
            controlStack = Arrays.copyOf(controlStack, depth * 2);
            frameStarts = Arrays.copyOf(frameStarts, depth * 2);
            frameStates = Arrays.copyOf(frameStates, depth * 2);
          }
          frameStarts[depth] = count;
          controlStack[depth++] =
              op == InstructionDecoder.BLOCK ? FRAME_BLOCK : op == InstructionDecoder.LOOP ? FRAME_LOOP : FRAME_IF;
          elses[count] = -1;
          endsBlock = op != InstructionDecoder.BLOCK;
          break;
        case InstructionDecoder.ELSE:
          if (depth <= 1 || (controlStack[depth - 1] & ~FRAME_TARGETED) != FRAME_IF) {
            throw InvalidWasmException.at(decoder.start, "else outside an if");
          }
          controlStack[depth - 1] = FRAME_ELSE | (controlStack[depth - 1] & FRAME_TARGETED);
          links[count] = frameStarts[depth - 1];
          elses[frameStarts[depth - 1]] = count;
          endsBlock = true;
          break;
        case InstructionDecoder.END: {
          int frame = controlStack[--depth];
          int kind = frame & ~FRAME_TARGETED;
          links[count] = frameStarts[depth];
          if (depth > 0) {
            links[frameStarts[depth]] = count;
          }
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
          links[count] = markTarget(decoder.index, depth, decoder.start);
          endsBlock = true;
          break;
        case InstructionDecoder.BR_TABLE:
          if (tableTargetCount + decoder.tableLabelCount + 1 > tableTargets.length) {
            tableTargets = Arrays.copyOf(tableTargets, (tableTargetCount + decoder.tableLabelCount + 1) * 2);
          }
          links[count] = tableTargetCount;
          tableTargets[tableTargetCount++] = decoder.tableLabelCount;
          for (int t = 0; t < decoder.tableLabelCount; t++) {
            tableTargets[tableTargetCount++] = markTarget(decoder.tableLabels[t], depth, decoder.start);
          }
          endsBlock = true;
          break;
        case InstructionDecoder.RETURN_CALL:
          checkFunction(decoder.index, decoder.start);
          endsBlock = true;
          break;
        case InstructionDecoder.RETURN:
        case InstructionDecoder.UNREACHABLE:
        case InstructionDecoder.RETURN_CALL_INDIRECT:
          endsBlock = true;
          break;
        case InstructionDecoder.CALL:
          checkFunction(decoder.index, decoder.start);
          endsBlock = false;
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

  private void checkFunction(long index, int offset) {
    if (index < 0 || index >= returnsCounter.length) {
      throw InvalidWasmException.at(offset, "call to function " + index + ", out of range");
    }
  }

  /**
   * Records that a branch targets label {@code label} (0 = innermost) from {@code depth} frames
   * deep; returns the instruction that opens the targeted frame, or {@link #FUNCTION_FRAME}.
   */
  private int markTarget(long label, int depth, int offset) {
    if (label < 0 || label >= depth) {
      throw InvalidWasmException.at(offset, "branch label " + label + " out of range");
    }
    controlStack[depth - 1 - (int) label] |= FRAME_TARGETED;
    return frameStarts[depth - 1 - (int) label];
  }

  /**
   * For every instruction (and for the exit after the last), where the counter must be valid
   * first when control reaches it: what its block's charge or the instruction itself needs, or,
   * for instructions that do not touch the counter, what the next one needs. A backward pass:
   * every join a branch or an else reaches lies after it.
   */
  private void computeNeeds(int count, byte exitNeed) {
    needs[count] = exitNeed;
    for (int i = count - 1; i >= 0; i--) {
      int op = opcodes[i];
      byte need;
      switch (op) {
        case InstructionDecoder.CALL:
        case InstructionDecoder.RETURN_CALL:
          need = immediates[i] < importedFunctionCount ? IN_BOTH : IN_LOCAL;
          break;
        case InstructionDecoder.CALL_INDIRECT:
        case InstructionDecoder.RETURN_CALL_INDIRECT:
          need = IN_BOTH;
          break;
        case InstructionDecoder.RETURN:
          need = exitNeed;
          break;
        case InstructionDecoder.UNREACHABLE:
          need = IN_GLOBAL;
          break;
        case InstructionDecoder.BR:
          need = join(links[i], exitNeed);
          break;
        case InstructionDecoder.BR_IF:
          need = (byte) (join(links[i], exitNeed) | needs[i + 1]);
          break;
        case InstructionDecoder.BR_TABLE: {
          byte all = 0;
          for (int t = 0, n = tableTargets[links[i]]; t < n; t++) {
            all |= join(tableTargets[links[i] + 1 + t], exitNeed);
          }
          need = all;
          break;
        }
        case InstructionDecoder.IF:
          need = (byte) (needs[i + 1] | (elses[i] >= 0 ? needs[elses[i] + 1] : join(i, exitNeed)));
          break;
        case InstructionDecoder.ELSE:
          need = join(links[i], exitNeed);
          break;
        case InstructionDecoder.LOOP:
          need = IN_LOCAL;
          break;
        default:
          need = isBulk(op) && costs.bulkCostPerUnit() > 0 ? IN_LOCAL : needs[i + 1];
          break;
      }
      int flag = flags[i];
      if ((flag & BLOCK_START) != 0 && ((flag & LOOP_BODY) != 0 || i == 0 || blockCosts[i] > 0)) {
        need = IN_LOCAL;
      }
      needs[i] = need;
    }
  }

  /**
   * Where every edge into the join of frame {@code frameStart} (the instruction opening it, or
   * {@link #FUNCTION_FRAME}) brings the counter: a loop's header needs the local; after an end,
   * what the code there needs first; the function's exit, its channel.
   */
  private byte join(int frameStart, byte exitNeed) {
    if (frameStart == FUNCTION_FRAME) {
      return exitNeed;
    }
    if (opcodes[frameStart] == InstructionDecoder.LOOP) {
      return IN_LOCAL;
    }
    return needs[links[frameStart] + 1];
  }

  private void grow() {
    int size = opcodes.length * 2;
    opcodes = Arrays.copyOf(opcodes, size);
    starts = Arrays.copyOf(starts, size);
    ends = Arrays.copyOf(ends, size);
    immediates = Arrays.copyOf(immediates, size);
    flags = Arrays.copyOf(flags, size);
    blockCosts = Arrays.copyOf(blockCosts, size + 1);
    links = Arrays.copyOf(links, size);
    elses = Arrays.copyOf(elses, size);
    needs = Arrays.copyOf(needs, size + 1);
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
   * Makes the counter valid where {@code needed} asks (reloading the local from the global, or
   * syncing the global from the local); returns the new state.
   */
  private byte need(ByteSink out, byte state, byte needed, MeterLocals locals) {
    if ((needed & IN_LOCAL) != 0 && (state & IN_LOCAL) == 0) {
      out.writeByte(OP_GLOBAL_GET).writeU32(counterGlobal);
      out.writeByte(OP_LOCAL_SET).writeU32(locals.counter());
      state |= IN_LOCAL;
    }
    if ((needed & IN_GLOBAL) != 0 && (state & IN_GLOBAL) == 0) {
      writeSync(out, locals.counter());
      state |= IN_GLOBAL;
    }
    return state;
  }

  /**
   * At an exit ({@code return}, the final end): what {@link #need} does for the function's
   * channel, with a checkpoint first if the counter leaves from the local.
   */
  private byte exit(ByteSink out, byte state, byte exitNeed, MeterLocals locals) {
    if (exitNeed == IN_GLOBAL && (state & IN_GLOBAL) == 0) {
      writeCheckpoint(out, 0, locals, true);
    }
    return need(out, state, exitNeed, locals);
  }

  /** Before the host or a table runs: the counter in both places, and not negative. */
  private byte needChecked(ByteSink out, byte state, MeterLocals locals) {
    byte synced = need(out, state, IN_BOTH, locals);
    writeCheck(out, locals);
    return synced;
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

  /** Counter and depth for a call to an extended function (a tail call: the caller's depth). */
  private static void writeExtraArguments(ByteSink out, MeterLocals locals, boolean tailCall) {
    out.writeByte(OP_LOCAL_GET).writeU32(locals.counter());
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

  /**
   * At an exit through the result channel: a checkpoint, then the counter after the function's own
   * results.
   *
   * <p>Note: the checkpoint makes a chain of returns, which passes no function entry, trap when
   * the counter has run out.
   */
  private void writeCounterResult(ByteSink out, MeterLocals locals, boolean counterResult) {
    if (counterResult) {
      writeCheckpoint(out, 0, locals, true);
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
   * counter -= cost; if (counter < 0) { sync; trap }: that slow path written in place at a
   * function's entry, and as a call of the checkpoint function ({@link #writeCheckpointFunction})
   * at loop headers and exits.
   *
   * <p>Note: where C2 finds the call hot (an inner loop's header) it inlines it, which is as fast
   * as the slow path written in place; where the call is cold (an outer loop's header, an exit)
   * it stays a call. Written in place at a cold checkpoint, the slow path's trap branch alone
   * made C2 compile the stream workload's inner loops about twice as slow (2.0-2.9x plain,
   * against 1.0x as a call; bench/RESULTS.md, "the checkpoint's slow path out of line"). A
   * function's entry keeps it in place: fib, whose entries are its only hot checkpoints, ran
   * 5-10% slower with the call there.
   */
  private void writeCheckpoint(ByteSink out, long cost, MeterLocals locals, boolean outOfLine) {
    int counter = locals.counter();
    out.writeByte(OP_LOCAL_GET).writeU32(counter);
    if (cost > 0) {
      out.writeByte(OP_I64_CONST).writeSigned(cost);
      out.writeByte(OP_I64_SUB);
      out.writeByte(OP_LOCAL_TEE).writeU32(counter);
    }
    out.writeByte(OP_I64_CONST).writeSigned(0);
    out.writeByte(OP_I64_LT_S);
    out.writeByte(InstructionDecoder.IF).writeByte(BLOCK_TYPE_EMPTY);
    if (outOfLine) {
      out.writeByte(OP_LOCAL_GET).writeU32(counter);
      out.writeByte(OP_LOCAL_GET).writeU32(locals.depth());
      out.writeByte(InstructionDecoder.CALL).writeU32(checkpointFunction);
    } else {
      writeSync(out, counter);
      writeTrap(out, locals);
    }
    out.writeByte(InstructionDecoder.END);
  }

  /**
   * Writes the code entry of the checkpoint function, of type (counter i64, depth i32) -> (): the
   * slow path of a checkpoint, called only with the counter negative: it syncs the counter and the
   * depth and traps. It charges nothing and calls nothing, so it adds no frame to the call depth.
   */
  void writeCheckpointFunction(ByteSink out) {
    ByteSink body = new ByteSink(16);
    MeterLocals params = new MeterLocals(0, 1, -1);
    body.writeU32(0); // no locals
    writeSync(body, params.counter());
    writeTrap(body, params);
    body.writeByte(InstructionDecoder.END);
    out.writeU32(body.size());
    out.writeBytes(body.toByteArray());
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
    writeSync(out, locals.counter());
    writeCheck(out, locals);
  }

  private void writeSync(ByteSink out, int counterLocal) {
    out.writeByte(OP_LOCAL_GET).writeU32(counterLocal);
    out.writeByte(OP_GLOBAL_SET).writeU32(counterGlobal);
  }

  /** if (counter < 0) trap; the global must hold the counter already. */
  private void writeCheck(ByteSink out, MeterLocals locals) {
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
