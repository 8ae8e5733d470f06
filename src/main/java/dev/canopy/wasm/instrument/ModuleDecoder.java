package dev.canopy.wasm.instrument;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Decodes what instrumentation needs to know from a {@link WasmModule}: types, imports, function
 * declarations, memories, globals, exports, the start function and the code bodies. Sections it
 * does not need (tables, elements, data) are only framed, and checked by the engine's validator.
 */
final class ModuleDecoder {
  /** wasmparser's limit on a function's locals, which the IC's validation applies too. */
  static final long MAX_LOCALS_PER_FUNCTION = 50_000;

  /** A function type as its parameter and result value-type bytes (every value type is one byte here). */
  record FunctionType(byte[] params, byte[] results) {
    int paramCount() {
      return params.length;
    }

    int resultCount() {
      return results.length;
    }
  }

  record Export(String name, int kind, long index) {}

  /**
   * One entry of the code section: {@code [entryStart, bodyStart)} is its size, {@code [bodyStart,
   * localsEnd)} its local declarations, {@code [localsEnd, bodyEnd)} its expression.
   */
  record CodeEntry(int entryStart, int bodyStart, int localsEnd, int bodyEnd, long localCount) {}

  record Decoded(
      List<FunctionType> types,
      int importedFunctionCount,
      int importedGlobalCount,
      int[] functionTypeIndices,
      int definedGlobalCount,
      List<Export> exports,
      long startFunction,
      List<CodeEntry> code) {}

  private ModuleDecoder() {}

  static Decoded decode(WasmModule module) {
    List<FunctionType> types = new ArrayList<>();
    List<Integer> functionTypes = new ArrayList<>();
    int importedFunctions = 0;
    int importedGlobals = 0;
    int definedGlobals = 0;
    int declaredFunctions = -1;
    List<Export> exports = new ArrayList<>();
    long start = -1;
    List<CodeEntry> code = new ArrayList<>();
    for (WasmModule.Section section : module.sections()) {
      ByteReader r = section.payloadReader();
      switch (section.id()) {
        case WasmModule.TYPE:
          decodeTypes(r, types);
          break;
        case WasmModule.IMPORT: {
          int count = r.readCount("import count", 4);
          for (int i = 0; i < count; i++) {
            r.readName();
            r.readName();
            int at = r.position();
            int kind = r.readByte();
            switch (kind) {
              case 0x00:
                functionTypes.add(readTypeIndex(r, types.size()));
                importedFunctions++;
                break;
              case 0x01:
                readReferenceType(r);
                readLimits(r, "table");
                break;
              case 0x02:
                readLimits(r, "memory");
                break;
              case 0x03:
                readGlobalType(r);
                importedGlobals++;
                break;
              case 0x04:
                throw UnsupportedWasmFeatureException.at(at, "exception handling (tag import)");
              default:
                throw InvalidWasmException.at(at, "unknown import kind " + kind);
            }
          }
          break;
        }
        case WasmModule.FUNCTION: {
          int count = r.readCount("function count", 1);
          declaredFunctions = count;
          for (int i = 0; i < count; i++) {
            functionTypes.add(readTypeIndex(r, types.size()));
          }
          break;
        }
        case WasmModule.TABLE: {
          int count = r.readCount("table count", 2);
          for (int i = 0; i < count; i++) {
            if (r.peekByte() == 0x40) {
              throw UnsupportedWasmFeatureException.at(r.position(), "table initializer expressions");
            }
            readReferenceType(r);
            readLimits(r, "table");
          }
          break;
        }
        case WasmModule.MEMORY: {
          int count = r.readCount("memory count", 2);
          for (int i = 0; i < count; i++) {
            readLimits(r, "memory");
          }
          break;
        }
        case WasmModule.GLOBAL: {
          int count = r.readCount("global count", 3);
          for (int i = 0; i < count; i++) {
            readGlobalType(r);
            skipConstantExpression(r, types.size());
          }
          definedGlobals = count;
          break;
        }
        case WasmModule.EXPORT: {
          int count = r.readCount("export count", 3);
          for (int i = 0; i < count; i++) {
            String name = r.readName();
            int at = r.position();
            int kind = r.readByte();
            if (kind > 0x03) {
              throw InvalidWasmException.at(at, "unknown export kind " + kind);
            }
            exports.add(new Export(name, kind, r.readU32()));
          }
          break;
        }
        case WasmModule.START:
          start = r.readU32();
          break;
        case WasmModule.CODE: {
          int count = r.readCount("code entry count", 2);
          for (int i = 0; i < count; i++) {
            code.add(readCodeEntry(r));
          }
          break;
        }
        default:
          continue; // framed only
      }
      if (!r.atEnd()) {
        throw InvalidWasmException.at(r.position(), "section " + section.id() + " has trailing bytes");
      }
    }
    int defined = Math.max(declaredFunctions, 0);
    if (defined != code.size()) {
      throw new InvalidWasmException(
          "function section declares " + defined + " functions but the code section has " + code.size());
    }
    int[] typeIndices = functionTypes.stream().mapToInt(Integer::intValue).toArray();
    return new Decoded(
        Collections.unmodifiableList(types),
        importedFunctions,
        importedGlobals,
        typeIndices,
        definedGlobals,
        Collections.unmodifiableList(exports),
        start,
        Collections.unmodifiableList(code));
  }

  private static void decodeTypes(ByteReader r, List<FunctionType> types) {
    int count = r.readCount("type count", 3);
    for (int i = 0; i < count; i++) {
      int at = r.position();
      int form = r.readByte();
      if (form == 0x4E || form == 0x4F || form == 0x50 || form == 0x5E || form == 0x5F) {
        throw UnsupportedWasmFeatureException.at(at, "GC types");
      }
      if (form != 0x60) {
        throw InvalidWasmException.at(at, "expected a function type (0x60), found 0x" + Integer.toHexString(form));
      }
      byte[] params = new byte[r.readCount("parameter count", 1)];
      for (int p = 0; p < params.length; p++) {
        params[p] = (byte) readValueType(r);
      }
      byte[] results = new byte[r.readCount("result count", 1)];
      for (int p = 0; p < results.length; p++) {
        results[p] = (byte) readValueType(r);
      }
      types.add(new FunctionType(params, results));
    }
  }

  private static int readTypeIndex(ByteReader r, int typeCount) {
    int at = r.position();
    long index = r.readU32();
    if (index >= typeCount) {
      throw InvalidWasmException.at(at, "type index " + index + " out of range");
    }
    return (int) index;
  }

  static int readValueType(ByteReader r) {
    int at = r.position();
    int type = r.readByte();
    switch (type) {
      case 0x7F: case 0x7E: case 0x7D: case 0x7C: case 0x7B: case 0x70: case 0x6F:
        return type;
      case 0x63: case 0x64: case 0x69: case 0x6A: case 0x6B: case 0x6C: case 0x6D: case 0x6E:
      case 0x71: case 0x72: case 0x73: case 0x74:
        throw UnsupportedWasmFeatureException.at(at, "GC / typed reference value types");
      default:
        throw InvalidWasmException.at(at, "unknown value type 0x" + Integer.toHexString(type));
    }
  }

  static int readReferenceType(ByteReader r) {
    int at = r.position();
    int type = readValueType(r);
    if (type != 0x70 && type != 0x6F) {
      throw InvalidWasmException.at(at, "expected a reference type");
    }
    return type;
  }

  private static void readLimits(ByteReader r, String what) {
    int at = r.position();
    int flags = r.readByte();
    if ((flags & 0x04) != 0) {
      throw UnsupportedWasmFeatureException.at(at, what + "64");
    }
    if ((flags & 0x02) != 0) {
      throw UnsupportedWasmFeatureException.at(at, "threads (shared memory)");
    }
    if ((flags & ~0x01) != 0) {
      throw InvalidWasmException.at(at, "unknown " + what + " limits flags " + flags);
    }
    r.readU32();
    if ((flags & 0x01) != 0) {
      r.readU32();
    }
  }

  private static void readGlobalType(ByteReader r) {
    readValueType(r);
    int at = r.position();
    int mutability = r.readByte();
    if (mutability > 1) {
      throw InvalidWasmException.at(at, "unknown global mutability " + mutability);
    }
  }

  private static void skipConstantExpression(ByteReader r, int typeCount) {
    InstructionDecoder decoder = new InstructionDecoder(r, typeCount);
    while (true) {
      int op = decoder.next();
      if (op == InstructionDecoder.END) {
        return;
      }
      switch (op) {
        case InstructionDecoder.BLOCK: case InstructionDecoder.LOOP: case InstructionDecoder.IF:
          throw InvalidWasmException.at(decoder.start, "control instruction in a constant expression");
        default:
          break;
      }
    }
  }

  private static CodeEntry readCodeEntry(ByteReader r) {
    int entryStart = r.position();
    int size = r.readU32AsInt("function body size");
    int bodyStart = r.position();
    if (size > r.remaining()) {
      throw InvalidWasmException.at(entryStart, "function body extends past the code section");
    }
    int bodyEnd = bodyStart + size;
    ByteReader body = new ByteReader(r.bytes(), bodyStart, bodyEnd);
    int groups = body.readCount("local declaration count", 2);
    long locals = 0;
    for (int g = 0; g < groups; g++) {
      int at = body.position();
      locals += body.readU32();
      if (locals > MAX_LOCALS_PER_FUNCTION) {
        throw InvalidWasmException.at(at, "function declares more than " + MAX_LOCALS_PER_FUNCTION + " locals");
      }
      readValueType(body);
    }
    r.skip(size);
    return new CodeEntry(entryStart, bodyStart, body.position(), bodyEnd, locals);
  }
}
