package dev.canopy.candid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.candid.CandidType.Named;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Deeply nested values (long recursive lists, long opt chains) decode, coerce, skip, encode and
 * print on a thread with a small stack, so the outcome cannot depend on a replica's stack size;
 * messages that claim endless nesting are refused by the decoding budget with a typed error.
 */
class CandidDeepNestingTest {
  private static final long SMALL_STACK_BYTES = 256 * 1024;
  private static final long TIMEOUT_MS = 60_000;
  private static final int ELEMENTS = 100_000;

  /** {@code type List = opt record { nat; List }}, as Motoko's List sends it. */
  private static Named listOfNat() {
    Named list = new Named("List");
    list.bind(CandidType.opt(CandidType.tuple(Prim.NAT, list)));
    return list;
  }

  /** {@code type List2 = opt record { nat; List2; opt text }}: a supertype with a new field. */
  private static Named listOfNatWithNote() {
    Named list = new Named("List2");
    list.bind(CandidType.opt(CandidType.tuple(Prim.NAT, list, CandidType.opt(Prim.TEXT))));
    return list;
  }

  /** The list 0, 1, ..., n-1, built from its end. */
  private static CandidValue list(int n) {
    CandidValue tail = CandidValue.none();
    for (int i = n - 1; i >= 0; i--) {
      tail = CandidValue.some(CandidValue.tuple(CandidValue.nat(i), tail));
    }
    return tail;
  }

  /** Walks a decoded list without recursion, checking element i is i (and the extra field). */
  private static void assertIsList(CandidValue v, int n, boolean withNote) {
    for (int i = 0; i < n; i++) {
      CandidValue.Opt cell = (CandidValue.Opt) v;
      assertThat(cell.isPresent()).as("cell %d", i).isTrue();
      CandidValue.Record r = (CandidValue.Record) cell.value();
      if (!CandidValue.nat(i).equals(r.get(0))) {
        throw new AssertionError("element " + i + " is " + r.get(0));
      }
      if (withNote && !CandidValue.none().equals(r.get(2))) {
        throw new AssertionError("element " + i + " has note " + r.get(2));
      }
      v = r.get(1);
    }
    assertThat(v).isEqualTo(CandidValue.none());
  }

  /** Runs {@code work} on a thread with a 256 KiB stack and rethrows what it threw. */
  private static void onSmallStack(ThrowingRunnable work) throws Throwable {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(null, () -> {
      try {
        work.run();
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "small-stack", SMALL_STACK_BYTES);
    t.start();
    t.join(TIMEOUT_MS);
    assertThat(t.isAlive()).as("finished within %d ms", TIMEOUT_MS).isFalse();
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  private interface ThrowingRunnable {
    void run() throws Throwable;
  }

  @Test
  void aListOfAHundredThousandElementsRoundTripsOnASmallStack() throws Throwable {
    onSmallStack(() -> {
      Named type = listOfNat();
      byte[] bytes = CandidEncoder.encode(List.of(type), List.of(list(ELEMENTS)));

      CandidValue same = CandidDecoder.decode(bytes, List.of(type), DecodeLimits.DEFAULT).get(0);
      assertIsList(same, ELEMENTS, false);
      assertThat(CandidEncoder.encode(List.of(type), List.of(same))).isEqualTo(bytes);

      Named wider = listOfNatWithNote();
      CandidValue widened =
          CandidDecoder.decode(bytes, List.of(wider), DecodeLimits.DEFAULT).get(0);
      assertIsList(widened, ELEMENTS, true);

      // At its wire types (no expected type), and printed.
      CandidDecoder.Decoded asSent = CandidDecoder.decode(bytes, DecodeLimits.DEFAULT);
      assertIsList(asSent.values().get(0), ELEMENTS, false);
      String text = CandidPrinter.value(same, type);
      assertThat(text).startsWith("opt record { 0; opt record { 1; opt record { 2;")
          .endsWith("99999; null }" + " }".repeat(ELEMENTS - 1));
    });
  }

  @Test
  void aLongListIsSkippedAndCoercedToNullOnASmallStack() throws Throwable {
    onSmallStack(() -> {
      Named type = listOfNat();
      byte[] bytes = CandidEncoder.encode(List.of(type), List.of(list(ELEMENTS)));

      // An argument the receiver does not expect is skipped, and so is one it expects as reserved.
      assertThat(CandidDecoder.decode(bytes, List.of(), DecodeLimits.DEFAULT)).isEmpty();
      assertThat(CandidDecoder.decode(bytes, List.of(Prim.RESERVED), DecodeLimits.DEFAULT))
          .containsExactly(CandidValue.RESERVED);

      // Every element fails to coerce to text: the outer opt becomes null (spec "Options") after
      // the whole list is skipped and validated.
      Named texts = new Named("Texts");
      texts.bind(CandidType.opt(CandidType.tuple(Prim.TEXT, texts)));
      assertThat(CandidDecoder.decode(bytes, List.of(texts), DecodeLimits.DEFAULT))
          .containsExactly(CandidValue.none());

      // Malformed data deep inside a skipped value still fails the whole message.
      byte[] malformed = bytes.clone();
      malformed[malformed.length - 1] = 2; // the final "none" tag
      assertThatThrownBy(() -> CandidDecoder.decode(malformed, List.of(texts),
          DecodeLimits.DEFAULT))
          .isInstanceOf(CandidDecodeException.class)
          .hasMessageContaining("an opt value starts with 0 or 1, not 2");
    });
  }

  @Test
  void aDeepOptChainRoundTripsOnASmallStack() throws Throwable {
    onSmallStack(() -> {
      // type Peano = opt Peano: the value opt opt ... null, as deep as the input says.
      Named peano = new Named("Peano");
      peano.bind(CandidType.opt(peano));
      CandidValue deep = CandidValue.none();
      for (int i = 0; i < ELEMENTS; i++) {
        deep = CandidValue.some(deep);
      }
      byte[] bytes = CandidEncoder.encode(List.of(peano), List.of(deep));
      CandidValue back = CandidDecoder.decode(bytes, List.of(peano), DecodeLimits.DEFAULT).get(0);
      assertThat(depthOfOpts(back)).isEqualTo(ELEMENTS);
      assertThat(CandidEncoder.encode(List.of(peano), List.of(back))).isEqualTo(bytes);

      // type Wrapped = variant { nat : nat; opt : opt Wrapped }: opt opt ... 7 through variants,
      // read at a supertype whose variant has one more case.
      Named wrapped = new Named("Wrapped");
      wrapped.bind(CandidType.variant(CandidType.field("nat", Prim.NAT),
          CandidType.field("opt", CandidType.opt(wrapped))));
      Named wider = new Named("Wider");
      wider.bind(CandidType.variant(CandidType.field("nat", Prim.INT),
          CandidType.field("opt", CandidType.opt(wider)), CandidType.field("text", Prim.TEXT)));
      CandidValue v = CandidValue.variant("nat", CandidValue.nat(7));
      for (int i = 0; i < ELEMENTS; i++) {
        v = CandidValue.variant("opt", CandidValue.some(v));
      }
      byte[] wrappedBytes = CandidEncoder.encode(List.of(wrapped), List.of(v));
      CandidValue asWider =
          CandidDecoder.decode(wrappedBytes, List.of(wider), DecodeLimits.DEFAULT).get(0);
      for (int i = 0; i < ELEMENTS; i++) {
        asWider = ((CandidValue.Opt) ((CandidValue.Variant) asWider).value()).value();
      }
      assertThat(asWider).isEqualTo(CandidValue.variant("nat", CandidValue.integer(7)));
    });
  }

  private static int depthOfOpts(CandidValue v) {
    int depth = 0;
    while (v instanceof CandidValue.Opt o && o.isPresent()) {
      depth++;
      v = o.value();
    }
    return depth;
  }

  @Test
  void aMessageThatNestsWithoutEndIsRefusedByTheBudget() throws Throwable {
    // type T = record { T }: no value of T is finite, so reading one never consumes input.
    byte[] endless = hex("4449444c016c0100000100");
    onSmallStack(() -> {
      for (List<CandidType> expected : List.<List<CandidType>>of(
          List.of(selfRecord()), List.of(), List.of(Prim.RESERVED))) {
        assertThatThrownBy(() -> CandidDecoder.decode(endless, expected, DecodeLimits.DEFAULT))
            .as("expected %s", expected)
            .isInstanceOf(CandidDecodeException.class)
            .hasMessageContaining("decoding cost exceeds the budget of 262232 units");
      }
      assertThatThrownBy(() -> CandidDecoder.decode(endless, DecodeLimits.DEFAULT))
          .isInstanceOf(CandidDecodeException.class)
          .hasMessageContaining("decoding cost exceeds the budget");
    });
  }

  @Test
  void nestingBeyondTheDepthLimitIsATypedErrorNotAStackOverflow() throws Throwable {
    // type T = opt T with a million "some" tags: deeper than the default limit of 2^19.
    int depth = 1_000_000;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(hex("4449444c016e000100"));
    for (int i = 0; i < depth; i++) {
      out.write(1);
    }
    out.write(0);
    byte[] message = out.toByteArray();
    Named peano = new Named("Peano");
    peano.bind(CandidType.opt(peano));
    onSmallStack(() -> {
      assertThatThrownBy(() -> CandidDecoder.decode(message, List.of(peano),
          DecodeLimits.DEFAULT))
          .isInstanceOf(CandidDecodeException.class)
          .hasMessageContaining("values nest deeper than the limit of 524288 levels");
      // Skipping an opt chain keeps no stack, so only the budget bounds it.
      assertThat(CandidDecoder.decode(message, List.of(), DecodeLimits.DEFAULT)).isEmpty();
      assertThat(CandidDecoder.decode(message, List.of(peano),
          DecodeLimits.builder().maxDepth(depth + 1).build()).get(0))
          .satisfies(v -> assertThat(depthOfOpts(v)).isEqualTo(depth));
    });
  }

  @Test
  void referencesWithDeeplyNestedTypesAreComparedOnASmallStack() throws Throwable {
    // A func reference whose result type is vec vec ... vec nat through 5,000 table entries.
    int levels = 5_000;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("DIDL".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    writeLeb(out, levels + 1);
    for (int i = 0; i < levels; i++) {
      out.write(0x6d); // vec
      writeSleb(out, i + 1 < levels ? i + 1 : Prim.NAT.opcode()); // the next entry, or nat
    }
    out.write(0x6a); // func () -> (entry 0), no annotations
    out.write(0);
    out.write(1);
    out.write(0);
    out.write(0);
    out.write(1); // one argument
    writeSleb(out, levels); // of type: the func entry
    byte[] service = Principal.fromText("aaaaa-aa").toBytes();
    out.write(1);
    out.write(1);
    writeLeb(out, service.length);
    out.writeBytes(service);
    out.write(1);
    out.write('m');
    byte[] message = out.toByteArray();

    onSmallStack(() -> {
      // nat <: int, so the wire type is a subtype of one with int at the bottom (results are
      // covariant), and not of one with text there.
      CandidType expected = CandidType.func(List.of(), List.of(nestedVecs(levels, Prim.INT)));
      assertThat(CandidDecoder.decode(message, List.of(expected), DecodeLimits.DEFAULT))
          .containsExactly(CandidValue.func(Principal.fromText("aaaaa-aa"), "m"));

      CandidType texts = CandidType.func(List.of(), List.of(nestedVecs(levels, Prim.TEXT)));
      assertThatThrownBy(() -> CandidDecoder.decode(message, List.of(texts),
          DecodeLimits.DEFAULT))
          .isInstanceOf(CandidDecodeException.class)
          .hasMessageContaining("is not a subtype of")
          .hasMessageContaining("...");
      assertThat(CandidPrinter.type(CandidDecoder.decode(message, DecodeLimits.DEFAULT)
          .types().get(0))).hasSize("func () -> (".length() + "vec ".length() * levels
          + "nat)".length());
    });
  }

  /** {@code vec vec ... leaf}, each level a named type so no structure nests in Java. */
  private static CandidType nestedVecs(int levels, CandidType leaf) {
    CandidType t = leaf;
    for (int i = 0; i < levels; i++) {
      t = new Named("V" + i, CandidType.vec(t));
    }
    return t;
  }

  @Test
  void textNestingHasADeterministicLimitThatFitsASmallStack() throws Throwable {
    onSmallStack(() -> {
      int limit = CandidParser.MAX_NESTING;
      String atLimit = "(" + "opt ".repeat(limit - 1) + "1)";
      List<ValueSyntax> parsed = CandidText.parseArgs(atLimit);
      CandidType type = CandidText.inferType(parsed.get(0));
      CandidValue value = CandidText.parseArgs(atLimit, List.of(type)).get(0);
      assertThat(depthOfOpts(value)).isEqualTo(limit - 1);
      assertThat(CandidPrinter.value(value, type)).isEqualTo(atLimit.substring(1,
          atLimit.length() - 1));

      String beyond = "(" + "opt ".repeat(limit + 1) + "1)";
      assertThatThrownBy(() -> CandidText.parseArgs(beyond))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("nesting deeper than " + limit + " levels");
    });
  }

  private static CandidType selfRecord() {
    Named t = new Named("T");
    t.bind(CandidType.tuple(t));
    return t;
  }

  private static void writeLeb(ByteArrayOutputStream out, long n) {
    while (n >= 0x80) {
      out.write((int) (n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.write((int) n);
  }

  /** Signed LEB128, as type references are written. */
  private static void writeSleb(ByteArrayOutputStream out, long n) {
    while (true) {
      int b = (int) (n & 0x7f);
      n >>= 7;
      if ((n == 0 && (b & 0x40) == 0) || (n == -1 && (b & 0x40) != 0)) {
        out.write(b);
        return;
      }
      out.write(b | 0x80);
    }
  }

  private static byte[] hex(String s) {
    return Hex.decode(s);
  }
}
