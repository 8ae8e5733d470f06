package dev.canopy.wasm.instrument;

import java.util.function.IntUnaryOperator;

/**
 * Finds and rewrites every place outside a call instruction where a module names a function by
 * index, so that the host and tables reach wrappers with the original signatures: exports, element
 * segments and {@code ref.func} in constant expressions and code.
 *
 * <p>Each rewriter copies its section and passes every function index through a mapping; with a
 * mapping that only records the index, the same code finds which functions need wrappers.
 */
final class FunctionReferences {
  private static final int OP_REF_FUNC = 0xD2;

  private FunctionReferences() {}

  /** Copies a constant expression up to and including its end, mapping {@code ref.func}. */
  static void rewriteConstantExpression(ByteReader r, int typeCount, IntUnaryOperator map, ByteSink out) {
    InstructionDecoder decoder = new InstructionDecoder(r, typeCount);
    while (true) {
      int op = decoder.next();
      if (op == OP_REF_FUNC) {
        out.writeByte(OP_REF_FUNC).writeU32(map.applyAsInt(checkedIndex(decoder.index, decoder.start)));
      } else {
        out.writeBytes(r.bytes(), decoder.start, decoder.end - decoder.start);
      }
      if (op == InstructionDecoder.END) {
        return;
      }
      if (op == InstructionDecoder.BLOCK || op == InstructionDecoder.LOOP || op == InstructionDecoder.IF) {
        throw InvalidWasmException.at(decoder.start, "control instruction in a constant expression");
      }
    }
  }

  /** The element section's payload with every function index mapped. */
  static byte[] rewriteElements(WasmModule.Section section, int typeCount, IntUnaryOperator map) {
    ByteReader r = section.payloadReader();
    ByteSink out = new ByteSink(section.payloadSizeBytes() + 16);
    int count = r.readCount("element segment count", 2);
    out.writeU32(count);
    for (int i = 0; i < count; i++) {
      int at = r.position();
      long flags = r.readU32();
      out.writeU32(flags);
      if (flags > 7) {
        throw InvalidWasmException.at(at, "unknown element segment flags " + flags);
      }
      boolean active = (flags & 1) == 0;
      boolean explicitTable = (flags & 2) != 0;
      boolean expressions = (flags & 4) != 0;
      if (active && explicitTable) {
        out.writeU32(r.readU32());
      }
      if (active) {
        rewriteConstantExpression(r, typeCount, map, out);
      }
      if (!active || explicitTable) {
        // elemkind (0x00 = funcref) or a reference type
        out.writeByte(r.readByte());
      }
      int items = r.readCount("element count", 1);
      out.writeU32(items);
      for (int j = 0; j < items; j++) {
        if (expressions) {
          rewriteConstantExpression(r, typeCount, map, out);
        } else {
          int itemAt = r.position();
          out.writeU32(map.applyAsInt(checkedIndex(r.readU32(), itemAt)));
        }
      }
    }
    if (!r.atEnd()) {
      throw InvalidWasmException.at(r.position(), "element section has trailing bytes");
    }
    return out.toByteArray();
  }

  /** The global section's payload with {@code ref.func} mapped in initializers, then {@code extra}. */
  static byte[] rewriteGlobals(WasmModule.Section section, int typeCount, IntUnaryOperator map, byte[] extra, int extraCount) {
    ByteSink out = new ByteSink((section == null ? 0 : section.payloadSizeBytes()) + extra.length + 8);
    if (section == null) {
      out.writeU32(extraCount);
    } else {
      ByteReader r = section.payloadReader();
      int count = r.readCount("global count", 3);
      out.writeU32((long) count + extraCount);
      for (int i = 0; i < count; i++) {
        out.writeByte(ModuleDecoder.readValueType(r));
        out.writeByte(r.readByte());
        rewriteConstantExpression(r, typeCount, map, out);
      }
    }
    out.writeBytes(extra);
    return out.toByteArray();
  }

  /** Maps the function index of every {@code ref.func} in one function body's expression. */
  static void scanCode(byte[] source, ModuleDecoder.CodeEntry entry, int typeCount, IntUnaryOperator map) {
    InstructionDecoder decoder =
        new InstructionDecoder(new ByteReader(source, entry.localsEnd(), entry.bodyEnd()), typeCount);
    while (!decoder.atEnd()) {
      if (decoder.next() == OP_REF_FUNC) {
        map.applyAsInt(checkedIndex(decoder.index, decoder.start));
      }
    }
  }

  private static int checkedIndex(long index, int offset) {
    if (index > Integer.MAX_VALUE) {
      throw InvalidWasmException.at(offset, "function index " + index + " out of range");
    }
    return (int) index;
  }

  /**
   * The "name" custom section's payload, adjusted to the extended functions: module and function
   * names are kept (no existing function index changes; wrappers stay unnamed), local names of
   * defined functions are shifted past the new parameters, and other subsections (labels and the
   * like, whose numbering the added block would shift) are dropped. Null if the section is
   * malformed: names are optional debugging information, so the result then has none.
   */
  static byte[] rewriteNames(WasmModule.Section section, int importedFunctionCount, int[] paramCounts) {
    try {
      ByteReader r = section.payloadReader();
      ByteSink out = new ByteSink(section.payloadSizeBytes() + 16);
      out.writeName(r.readName());
      while (!r.atEnd()) {
        int id = r.readByte();
        int size = r.readU32AsInt("name subsection size");
        if (size > r.remaining()) {
          return null;
        }
        int start = r.position();
        r.skip(size);
        if (id == 0 || id == 1) {
          out.writeByte(id).writeU32(size).writeBytes(r.bytes(), start, size);
        } else if (id == 2) {
          byte[] locals = rewriteLocalNames(new ByteReader(r.bytes(), start, start + size), importedFunctionCount, paramCounts);
          out.writeByte(id).writeU32(locals.length).writeBytes(locals);
        }
      }
      return out.toByteArray();
    } catch (InvalidWasmException e) {
      return null;
    }
  }

  private static byte[] rewriteLocalNames(ByteReader r, int importedFunctionCount, int[] paramCounts) {
    ByteSink out = new ByteSink(r.remaining() + 8);
    int functions = r.readCount("local name function count", 2);
    out.writeU32(functions);
    for (int f = 0; f < functions; f++) {
      long function = r.readU32();
      out.writeU32(function);
      long defined = function - importedFunctionCount;
      int params = defined >= 0 && defined < paramCounts.length ? paramCounts[(int) defined] : Integer.MAX_VALUE;
      int names = r.readCount("local name count", 2);
      out.writeU32(names);
      for (int n = 0; n < names; n++) {
        long local = r.readU32();
        out.writeU32(local >= params ? local + FunctionInstrumenter.EXTRA_PARAMS : local);
        out.writeName(r.readName());
      }
    }
    if (!r.atEnd()) {
      throw InvalidWasmException.at(r.position(), "local names have trailing bytes");
    }
    return out.toByteArray();
  }
}
