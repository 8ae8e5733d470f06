package dev.canopy.wasm.instrument;

/**
 * Decodes one instruction at a time from a function body or a constant expression, without
 * allocating: after {@link #next()} the fields describe the instruction just read.
 *
 * <p>Covers the MVP plus sign extension, non-trapping float-to-int, multi-value, bulk memory,
 * reference types, tail calls and fixed-width SIMD. Atomics, exception handling, GC, typed
 * function references and relaxed SIMD are refused with {@link UnsupportedWasmFeatureException}.
 *
 * <p>Opcodes are keys: the byte for single-byte opcodes, {@code prefix << 16 | sub} for the
 * prefixed ones ({@link #MISC_PREFIX} 0xFC and {@link #SIMD_PREFIX} 0xFD).
 */
final class InstructionDecoder {
  static final int MISC_PREFIX = 0xFC;
  static final int SIMD_PREFIX = 0xFD;

  static final int UNREACHABLE = 0x00;
  static final int BLOCK = 0x02;
  static final int LOOP = 0x03;
  static final int IF = 0x04;
  static final int ELSE = 0x05;
  static final int END = 0x0B;
  static final int BR = 0x0C;
  static final int BR_IF = 0x0D;
  static final int BR_TABLE = 0x0E;
  static final int RETURN = 0x0F;
  static final int CALL = 0x10;
  static final int CALL_INDIRECT = 0x11;
  static final int RETURN_CALL = 0x12;
  static final int RETURN_CALL_INDIRECT = 0x13;
  static final int MEMORY_GROW = 0x40;

  static final int MEMORY_INIT = MISC_PREFIX << 16 | 8;
  static final int MEMORY_COPY = MISC_PREFIX << 16 | 10;
  static final int MEMORY_FILL = MISC_PREFIX << 16 | 11;
  static final int TABLE_INIT = MISC_PREFIX << 16 | 12;
  static final int TABLE_COPY = MISC_PREFIX << 16 | 14;
  static final int TABLE_FILL = MISC_PREFIX << 16 | 17;

  private final ByteReader reader;
  private final int typeCount;

  /** Key of the instruction just read. */
  int opcode;
  /** Byte offsets of the instruction just read: {@code [start, end)}. */
  int start;
  int end;
  /** First u32 immediate where there is one (label depth, function index, ...), else -1. */
  long index;
  /** The memory index of a memory instruction, else -1. */
  long memoryIndex;
  /** A br_table's labels, default last, in {@code tableLabels[0, tableLabelCount)}. */
  long[] tableLabels = new long[16];
  int tableLabelCount;

  InstructionDecoder(ByteReader reader, int typeCount) {
    this.reader = reader;
    this.typeCount = typeCount;
  }

  boolean atEnd() {
    return reader.atEnd();
  }

  int position() {
    return reader.position();
  }

  int next() {
    start = reader.position();
    index = -1;
    memoryIndex = -1;
    int op = reader.readByte();
    opcode = op;
    switch (op) {
      case 0x00: case 0x01: case 0x05: case 0x0B: case 0x0F:
      case 0x1A: case 0x1B: case 0xD1:
        break;
      case BLOCK: case LOOP: case IF:
        readBlockType();
        break;
      case BR: case BR_IF: case CALL: case RETURN_CALL:
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
      case 0x25: case 0x26: case 0xD2:
        index = reader.readU32();
        break;
      case BR_TABLE: {
        int count = reader.readCount("br_table label count", 1);
        if (count + 1 > tableLabels.length) {
          tableLabels = new long[count + 1];
        }
        for (int i = 0; i < count; i++) {
          tableLabels[i] = reader.readU32();
        }
        index = reader.readU32();
        tableLabels[count] = index;
        tableLabelCount = count + 1;
        break;
      }
      case CALL_INDIRECT: case RETURN_CALL_INDIRECT:
        index = reader.readU32();
        reader.readU32();
        break;
      case 0x1C: {
        int count = reader.readCount("select type count", 1);
        for (int i = 0; i < count; i++) {
          ModuleDecoder.readValueType(reader);
        }
        break;
      }
      case 0x3F: case MEMORY_GROW:
        memoryIndex = reader.readU32();
        break;
      case 0x41:
        reader.readSigned(32);
        break;
      case 0x42:
        reader.readSigned(64);
        break;
      case 0x43:
        reader.skip(4);
        break;
      case 0x44:
        reader.skip(8);
        break;
      case 0xD0:
        ModuleDecoder.readReferenceType(reader);
        break;
      case MISC_PREFIX:
        readMisc();
        break;
      case SIMD_PREFIX:
        readSimd();
        break;
      case 0x06: case 0x07: case 0x08: case 0x09: case 0x0A: case 0x18: case 0x19: case 0x1F:
        throw UnsupportedWasmFeatureException.at(start, "exception handling");
      case 0x14: case 0x15: case 0xD3: case 0xD4: case 0xD5: case 0xD6:
        throw UnsupportedWasmFeatureException.at(start, "typed function references / GC");
      case 0xFB:
        throw UnsupportedWasmFeatureException.at(start, "GC");
      case 0xFE:
        throw UnsupportedWasmFeatureException.at(start, "threads (atomics)");
      default:
        if (op >= 0x28 && op <= 0x3E) {
          readMemarg();
        } else if (op < 0x45 || op > 0xC4) {
          throw InvalidWasmException.at(start, "unknown opcode 0x" + Integer.toHexString(op));
        }
    }
    end = reader.position();
    return opcode;
  }

  private void readBlockType() {
    int first = reader.peekByte();
    if (first == 0x40) {
      reader.readByte();
      return;
    }
    if ((first & 0xc0) == 0x40) {
      // A single-byte negative s33: a value type.
      ModuleDecoder.readValueType(reader);
      return;
    }
    int at = reader.position();
    long typeIndex = reader.readSigned(33);
    if (typeIndex < 0 || typeIndex >= typeCount) {
      throw InvalidWasmException.at(at, "block type index " + typeIndex + " out of range");
    }
  }

  private void readMemarg() {
    long align = reader.readU32();
    if ((align & 0x40) != 0) {
      // Multi-memory: the flag bit announces an explicit memory index.
      memoryIndex = reader.readU32();
    } else {
      memoryIndex = 0;
    }
    reader.readU32(); // offset; memory64 is refused at the memory declaration.
  }

  private void readMisc() {
    long sub = reader.readU32();
    opcode = MISC_PREFIX << 16 | (int) Math.min(sub, 0xFFFF);
    switch ((int) Math.min(sub, Integer.MAX_VALUE)) {
      case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        break;
      case 8: // memory.init data memory
        index = reader.readU32();
        memoryIndex = reader.readU32();
        break;
      case 9: // data.drop
      case 13: // elem.drop
      case 15: case 16: case 17: // table.grow, table.size, table.fill
        index = reader.readU32();
        break;
      case 10: // memory.copy dst src
        memoryIndex = reader.readU32();
        reader.readU32();
        break;
      case 11: // memory.fill
        memoryIndex = reader.readU32();
        break;
      case 12: // table.init elem table
      case 14: // table.copy dst src
        index = reader.readU32();
        reader.readU32();
        break;
      default:
        throw InvalidWasmException.at(start, "unknown 0xFC opcode " + sub);
    }
  }

  private void readSimd() {
    long sub = reader.readU32();
    if (sub > 0xFF) {
      if (sub <= 0x113) {
        throw UnsupportedWasmFeatureException.at(start, "relaxed SIMD");
      }
      throw InvalidWasmException.at(start, "unknown 0xFD opcode " + sub);
    }
    int code = (int) sub;
    opcode = SIMD_PREFIX << 16 | code;
    if (code <= 0x0B || code == 0x5C || code == 0x5D) {
      readMemarg();
    } else if (code == 0x0C || code == 0x0D) {
      reader.skip(16); // v128.const bytes, i8x16.shuffle lanes
    } else if (code >= 0x15 && code <= 0x22) {
      reader.readByte(); // lane index
    } else if (code >= 0x54 && code <= 0x5B) {
      readMemarg();
      reader.readByte(); // lane index
    } else if (isReservedSimd(code)) {
      throw InvalidWasmException.at(start, "unknown 0xFD opcode " + code);
    }
  }

  private static boolean isReservedSimd(int code) {
    switch (code) {
      case 0x9A: case 0xA2: case 0xA5: case 0xA6: case 0xAF: case 0xB0: case 0xB2: case 0xB3:
      case 0xB4: case 0xBB: case 0xC2: case 0xC5: case 0xC6: case 0xCF: case 0xD0: case 0xD2:
      case 0xD3: case 0xD4: case 0xE2: case 0xEE:
        return true;
      default:
        return false;
    }
  }
}
