package dev.canopy.wasm;

import dev.canopy.types.Leb128;
import dev.canopy.wasm.InvalidModuleException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The section layout of a Wasm binary, read without decoding function bodies: enough to find
 * custom sections, the memory's index type and the start function, and to drop the start section.
 */
final class WasmBinary {
  static final int CUSTOM = 0;
  static final int IMPORT = 2;
  static final int MEMORY = 5;
  static final int START = 8;
  static final int CODE = 10;
  /** A function body with no locals and only {@code end}: size 2, no local entries, end. */
  private static final byte[] STUB_BODY = {0x02, 0x00, 0x0b};

  private static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  /** One section: its id, where its contents start, their length, and a custom section's name. */
  record Section(int id, int start, int length, String customName, int customContentStart) {
    int end() {
      return start + length;
    }
  }

  private final byte[] bytes;
  private final List<Section> sections;

  private WasmBinary(byte[] bytes, List<Section> sections) {
    this.bytes = bytes;
    this.sections = sections;
  }

  static WasmBinary read(byte[] bytes) {
    if (bytes.length < HEADER.length) {
      throw malformed("shorter than the 8-byte Wasm header");
    }
    for (int i = 0; i < HEADER.length; i++) {
      if (bytes[i] != HEADER[i]) {
        throw malformed("no Wasm magic and version 1 header (\\0asm 01 00 00 00)");
      }
    }
    List<Section> sections = new ArrayList<>();
    Cursor c = new Cursor(bytes, HEADER.length, bytes.length);
    while (c.pos < bytes.length) {
      int id = c.u8();
      long size = c.u32();
      if (size > bytes.length - c.pos) {
        throw malformed("section " + id + " runs past the end of the module");
      }
      int start = c.pos;
      int end = start + (int) size;
      String name = null;
      int contentStart = start;
      if (id == CUSTOM) {
        Cursor n = new Cursor(bytes, start, end);
        name = n.name();
        contentStart = n.pos;
      }
      sections.add(new Section(id, start, (int) size, name, contentStart));
      c.pos = end;
    }
    return new WasmBinary(bytes, List.copyOf(sections));
  }

  List<Section> sections() {
    return sections;
  }

  byte[] contents(Section s) {
    int from = s.id() == CUSTOM ? s.customContentStart() : s.start();
    byte[] out = new byte[s.end() - from];
    System.arraycopy(bytes, from, out, 0, out.length);
    return out;
  }

  /** The flags byte of every declared memory's limits (bit 0x04: 64-bit index type). */
  List<Integer> memoryLimitFlags() {
    List<Integer> flags = new ArrayList<>();
    for (Section s : sections) {
      if (s.id() == MEMORY) {
        Cursor c = new Cursor(bytes, s.start(), s.end());
        long count = c.u32();
        for (long i = 0; i < count; i++) {
          int flag = c.u8();
          flags.add(flag);
          c.u64();
          if ((flag & 0x01) != 0) {
            c.u64();
          }
        }
      }
    }
    return flags;
  }

  /** Limits flags of imported memories, so that an imported 64-bit memory gets its own error. */
  List<Integer> importedMemoryLimitFlags() {
    List<Integer> flags = new ArrayList<>();
    for (Section s : sections) {
      if (s.id() != IMPORT) {
        continue;
      }
      Cursor c = new Cursor(bytes, s.start(), s.end());
      long count = c.u32();
      for (long i = 0; i < count; i++) {
        c.name();
        c.name();
        int kind = c.u8();
        switch (kind) {
          case 0 -> c.u32();
          case 1 -> {
            c.u8();
            int flag = c.u8();
            c.u64();
            if ((flag & 0x01) != 0) {
              c.u64();
            }
          }
          case 2 -> {
            int flag = c.u8();
            flags.add(flag);
            c.u64();
            if ((flag & 0x01) != 0) {
              c.u64();
            }
          }
          default -> {
            return flags; // globals and tags: nothing after them matters for memories here
          }
        }
      }
    }
    return flags;
  }

  /** The start function's index, or -1 without a start section. */
  long startFunction() {
    for (Section s : sections) {
      if (s.id() == START) {
        return new Cursor(bytes, s.start(), s.end()).u32();
      }
    }
    return -1;
  }

  /** The same module without its start section (the engine runs {@code (start)} itself). */
  byte[] withoutStartSection() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    out.write(bytes, 0, HEADER.length);
    int prevEnd = HEADER.length;
    for (Section s : sections) {
      // The header of a section (id + size) lies between the previous section's end and start.
      if (s.id() != START) {
        out.write(bytes, prevEnd, s.end() - prevEnd);
      }
      prevEnd = s.end();
    }
    return out.toByteArray();
  }

  /**
   * The same module with every function body replaced by an empty one: what the engine parses when
   * the compiled classes of the real bodies come from its disk cache, since the runtime needs the
   * module's types, imports, exports, globals, memories, tables and segments but not the code
   * (the compiled classes never interpret it). Checks the code section's framing: each body lies
   * inside the section and the section has nothing after the last one.
   */
  byte[] withStubFunctionBodies() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    out.write(bytes, 0, HEADER.length);
    int prevEnd = HEADER.length;
    for (Section s : sections) {
      if (s.id() != CODE) {
        out.write(bytes, prevEnd, s.end() - prevEnd);
      } else {
        Cursor c = new Cursor(bytes, s.start(), s.end());
        long count = c.u32();
        if (count > s.length()) {
          throw malformed("the code section counts more bodies than it has bytes");
        }
        for (long i = 0; i < count; i++) {
          long size = c.u32();
          if (size > s.end() - c.pos) {
            throw malformed("function body " + i + " runs past the end of the code section");
          }
          c.pos += (int) size;
        }
        if (c.pos != s.end()) {
          throw malformed("bytes after the last function body in the code section");
        }
        byte[] countBytes = Leb128.encodeUnsigned(count);
        long contentBytes = countBytes.length + count * STUB_BODY.length;
        out.write(CODE);
        out.writeBytes(Leb128.encodeUnsigned(contentBytes));
        out.writeBytes(countBytes);
        for (long i = 0; i < count; i++) {
          out.writeBytes(STUB_BODY);
        }
      }
      prevEnd = s.end();
    }
    return out.toByteArray();
  }

  /** The number of function bodies in the code section; 0 without one. */
  long functionBodyCount() {
    for (Section s : sections) {
      if (s.id() == CODE) {
        return new Cursor(bytes, s.start(), s.end()).u32();
      }
    }
    return 0;
  }

  private static InvalidModuleException malformed(String message) {
    return new InvalidModuleException(Reason.MALFORMED, message);
  }

  /** A bounded reader of LEB128 numbers and names; every overrun is a typed error. */
  static final class Cursor {
    private final byte[] bytes;
    private final int end;
    int pos;

    Cursor(byte[] bytes, int pos, int end) {
      this.bytes = bytes;
      this.pos = pos;
      this.end = end;
    }

    int u8() {
      if (pos >= end) {
        throw malformed("unexpected end of section at byte " + pos);
      }
      return bytes[pos++] & 0xff;
    }

    long u32() {
      long v = u64();
      if (v > 0xffff_ffffL) {
        throw malformed("a u32 out of range at byte " + pos);
      }
      return v;
    }

    long u64() {
      long result = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        int b = u8();
        if (shift == 63 && (b & 0x7e) != 0) {
          throw malformed("a LEB128 number too large at byte " + pos);
        }
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw malformed("an overlong LEB128 number at byte " + pos);
    }

    String name() {
      long len = u32();
      if (len > end - pos) {
        throw malformed("a name runs past the end of its section at byte " + pos);
      }
      try {
        String s =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, pos, (int) len))
                .toString();
        pos += (int) len;
        return s;
      } catch (CharacterCodingException e) {
        throw malformed("a name that is not UTF-8 at byte " + pos);
      }
    }
  }
}
