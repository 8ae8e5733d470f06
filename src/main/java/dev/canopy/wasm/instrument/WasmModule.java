package dev.canopy.wasm.instrument;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Wasm module as its sequence of sections, each kept as the exact bytes it was read from.
 *
 * <p>{@link #parse} checks the preamble, the section framing and the section order; {@link
 * #encode} writes the sections back. A section nobody replaced is copied byte for byte (custom
 * sections included, in place), so {@code parse(b).encode()} equals {@code b}. What the sections
 * mean is decoded by {@link ModuleDecoder}.
 */
public final class WasmModule {
  public static final int CUSTOM = 0;
  public static final int TYPE = 1;
  public static final int IMPORT = 2;
  public static final int FUNCTION = 3;
  public static final int TABLE = 4;
  public static final int MEMORY = 5;
  public static final int GLOBAL = 6;
  public static final int EXPORT = 7;
  public static final int START = 8;
  public static final int ELEMENT = 9;
  public static final int CODE = 10;
  public static final int DATA = 11;
  public static final int DATA_COUNT = 12;
  public static final int TAG = 13;

  private static final byte[] PREAMBLE = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  /** One section: its id and the bytes {@code source[start, end)}, header included. */
  public static final class Section {
    private final int id;
    private final byte[] source;
    private final int start;
    private final int payloadStart;
    private final int end;

    Section(int id, byte[] source, int start, int payloadStart, int end) {
      this.id = id;
      this.source = source;
      this.start = start;
      this.payloadStart = payloadStart;
      this.end = end;
    }

    /** A new section with the given payload; its size is written as the shortest LEB128. */
    static Section of(int id, byte[] payload) {
      ByteSink sink = new ByteSink(payload.length + 6);
      sink.writeByte(id).writeU32(payload.length);
      int payloadStart = sink.size();
      sink.writeBytes(payload);
      byte[] bytes = sink.toByteArray();
      return new Section(id, bytes, 0, payloadStart, bytes.length);
    }

    public int id() {
      return id;
    }

    public int payloadSizeBytes() {
      return end - payloadStart;
    }

    /** A copy of the payload (the bytes after the id and the size). */
    public byte[] payload() {
      byte[] copy = new byte[end - payloadStart];
      System.arraycopy(source, payloadStart, copy, 0, copy.length);
      return copy;
    }

    ByteReader payloadReader() {
      return new ByteReader(source, payloadStart, end);
    }

    byte[] source() {
      return source;
    }

    int payloadStart() {
      return payloadStart;
    }

    int end() {
      return end;
    }

    void writeTo(ByteSink sink) {
      sink.writeBytes(source, start, end - start);
    }

    /** The custom section's name, or null for a standard section. */
    public String customName() {
      return id == CUSTOM ? payloadReader().readName() : null;
    }
  }

  private final List<Section> sections;

  private WasmModule(List<Section> sections) {
    this.sections = Collections.unmodifiableList(new ArrayList<>(sections));
  }

  /** Reads the framing of a binary module; the caller's array is not copied and must not change. */
  public static WasmModule parse(byte[] wasm) {
    if (wasm == null) {
      throw new InvalidWasmException("no module bytes");
    }
    if (wasm.length < PREAMBLE.length) {
      throw new InvalidWasmException("not a Wasm module: shorter than the 8-byte preamble");
    }
    for (int i = 0; i < 4; i++) {
      if (wasm[i] != PREAMBLE[i]) {
        throw new InvalidWasmException("not a Wasm module: bad magic number");
      }
    }
    for (int i = 4; i < 8; i++) {
      if (wasm[i] != PREAMBLE[i]) {
        throw new UnsupportedWasmFeatureException(
            "unsupported Wasm binary version or layer (only core modules of version 1)");
      }
    }
    ByteReader reader = new ByteReader(wasm, PREAMBLE.length, wasm.length);
    List<Section> sections = new ArrayList<>();
    int lastRank = 0;
    while (!reader.atEnd()) {
      int start = reader.position();
      int id = reader.readByte();
      int size = reader.readU32AsInt("section size");
      int payloadStart = reader.position();
      if (size > reader.remaining()) {
        throw InvalidWasmException.at(start, "section " + id + " extends past the end of the module");
      }
      reader.skip(size);
      if (id != CUSTOM) {
        int rank = orderRank(id, start);
        if (rank <= lastRank) {
          throw InvalidWasmException.at(start, "section " + id + " is duplicated or out of order");
        }
        lastRank = rank;
      }
      Section section = new Section(id, wasm, start, payloadStart, reader.position());
      if (id == CUSTOM) {
        ByteReader name = section.payloadReader();
        name.readName();
      }
      sections.add(section);
    }
    return new WasmModule(sections);
  }

  /** The position of a standard section in the order the binary format prescribes. */
  static int orderRank(int id, int offset) {
    switch (id) {
      case TYPE: return 1;
      case IMPORT: return 2;
      case FUNCTION: return 3;
      case TABLE: return 4;
      case MEMORY: return 5;
      case TAG: throw UnsupportedWasmFeatureException.at(offset, "exception handling (tag section)");
      case GLOBAL: return 7;
      case EXPORT: return 8;
      case START: return 9;
      case ELEMENT: return 10;
      case DATA_COUNT: return 11;
      case CODE: return 12;
      case DATA: return 13;
      default: throw InvalidWasmException.at(offset, "unknown section id " + id);
    }
  }

  public List<Section> sections() {
    return sections;
  }

  /** The first section with this id, or null. */
  public Section section(int id) {
    for (Section s : sections) {
      if (s.id == id) {
        return s;
      }
    }
    return null;
  }

  /**
   * This module with standard section {@code id} replaced, or inserted right after the last
   * standard section that precedes it in the prescribed order, or removed (payload null). Custom
   * sections keep their places.
   */
  WasmModule withSection(int id, byte[] payloadOrNull) {
    int rank = orderRank(id, 0);
    List<Section> result = new ArrayList<>(sections);
    for (int i = 0; i < result.size(); i++) {
      if (result.get(i).id == id) {
        if (payloadOrNull == null) {
          result.remove(i);
        } else {
          result.set(i, Section.of(id, payloadOrNull));
        }
        return new WasmModule(result);
      }
    }
    if (payloadOrNull == null) {
      return this;
    }
    int insertAt = 0;
    for (int i = 0; i < result.size(); i++) {
      Section s = result.get(i);
      if (s.id != CUSTOM && orderRank(s.id, 0) < rank) {
        insertAt = i + 1;
      }
    }
    result.add(insertAt, Section.of(id, payloadOrNull));
    return new WasmModule(result);
  }

  /** This module with the section at {@code position} replaced by a custom section, or removed (null). */
  WasmModule withCustomSectionAt(int position, byte[] payloadOrNull) {
    List<Section> result = new ArrayList<>(sections);
    if (payloadOrNull == null) {
      result.remove(position);
    } else {
      result.set(position, Section.of(CUSTOM, payloadOrNull));
    }
    return new WasmModule(result);
  }

  /** This module with a custom section of this payload (name included) after all others. */
  WasmModule withCustomSectionAppended(byte[] payload) {
    List<Section> result = new ArrayList<>(sections);
    result.add(Section.of(CUSTOM, payload));
    return new WasmModule(result);
  }

  public byte[] encode() {
    int total = PREAMBLE.length;
    for (Section s : sections) {
      total += s.end - s.start;
    }
    ByteSink sink = new ByteSink(total);
    sink.writeBytes(PREAMBLE);
    for (Section s : sections) {
      s.writeTo(sink);
    }
    return sink.toByteArray();
  }
}
