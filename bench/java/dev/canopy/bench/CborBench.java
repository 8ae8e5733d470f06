package dev.canopy.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LabeledTree;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Our strict CBOR decoder against Jackson's streaming CBORParser walking every token (the
 * baseline: the least work Jackson can do with the same bytes), on a call envelope and on a
 * certificate; plus hash-tree digest and pruning against a plain SHA-256 pass over the encoding.
 */
public final class CborBench {
  private static final CBORFactory JACKSON = new CBORFactory();
  private static volatile Object sink;

  public static void main(String[] args) throws IOException {
    Random random = new Random(42);
    byte[] envelope = envelope(random, 1024);
    byte[] bigEnvelope = envelope(random, 2 * 1024 * 1024 - 4096);
    HashTree tree = stateLikeTree(random, 10_000);
    byte[] certificate =
        new Certificate(tree.prune(List.of(List.of(Label.of("c"), label(77)))), new byte[48],
                Optional.empty())
            .encode();
    byte[] fullCertificate = new Certificate(tree, new byte[48], Optional.empty()).encode();

    System.out.printf("inputs: envelope %d B, large envelope %d B, pruned certificate %d B,"
        + " full certificate %d B%n", envelope.length, bigEnvelope.length, certificate.length,
        fullCertificate.length);
    compare("envelope 1 KiB arg", envelope, 200_000);
    compare("envelope 2 MiB arg", bigEnvelope, 200);
    compare("certificate, pruned", certificate, 100_000);
    compare("certificate, 10k leaves", fullCertificate, 100);
    compare("block of 200 calls", blockLike(random, 200), 2_000);

    double sha = time(() -> dev.canopy.types.Hashing.sha256(fullCertificate), 100);
    double digest = time(tree::digest, 100);
    double prune = time(() -> tree.prune(List.of(List.of(Label.of("c"), label(77)))), 100);
    System.out.printf("%-28s %10.1f us  (baseline: SHA-256 of its %d-byte encoding %.1f us)"
        + "  ratio %.2f%n", "digest, 10k leaves", digest / 1e3, fullCertificate.length, sha / 1e3,
        digest / sha);
    System.out.printf("%-28s %10.1f us  ratio to SHA-256 baseline %.2f%n", "prune to one path",
        prune / 1e3, prune / sha);
  }

  private static void compare(String name, byte[] input, int iterations) {
    double ours = time(() -> CborDecoder.DEFAULT.decode(input), iterations);
    double jackson = time(() -> jacksonWalk(input), iterations);
    CborValue value = CborDecoder.DEFAULT.decode(input);
    double encode = time(() -> CborEncoder.encode(value), iterations);
    double jacksonEncode = time(() -> jacksonWrite(value), iterations);
    System.out.printf("%-28s decode %10.2f us   jackson walk %10.2f us   ratio %.2f"
        + "   encode %10.2f us   jackson write %10.2f us   ratio %.2f%n", name, ours / 1e3,
        jackson / 1e3, ours / jackson, encode / 1e3, jacksonEncode / 1e3, encode / jacksonEncode);
  }

  /**
   * The encoding baseline: Jackson's CBORGenerator writing the same value tree token by token
   * into a growing stream (keys in the map's order, unsorted: less work than canonical CBOR).
   */
  private static Object jacksonWrite(CborValue value) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (com.fasterxml.jackson.dataformat.cbor.CBORGenerator g = JACKSON.createGenerator(out)) {
      writeJackson(g, value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  private static void writeJackson(com.fasterxml.jackson.dataformat.cbor.CBORGenerator g,
      CborValue value) throws IOException {
    if (value instanceof CborMap m) {
      g.writeStartObject();
      for (java.util.Map.Entry<CborValue, CborValue> e : m.entries().entrySet()) {
        g.writeFieldName(((CborValue.TextString) e.getKey()).value());
        writeJackson(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof dev.canopy.types.cbor.CborArray a) {
      g.writeStartArray();
      for (CborValue item : a.items()) {
        writeJackson(g, item);
      }
      g.writeEndArray();
    } else if (value instanceof CborValue.ByteString b) {
      g.writeBinary(b.bytes());
    } else if (value instanceof CborValue.TextString t) {
      g.writeString(t.value());
    } else if (value instanceof CborValue.UnsignedInt u) {
      g.writeNumber(u.value());
    } else if (value instanceof CborValue.Tagged t) {
      g.writeTag((int) t.tag());
      writeJackson(g, t.value());
    } else {
      throw new IllegalArgumentException("not in the bench's inputs: " + value);
    }
  }

  private static Object jacksonWalk(byte[] input) {
    try (JsonParser p = JACKSON.createParser(input)) {
      long count = 0;
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.VALUE_EMBEDDED_OBJECT) {
          count += p.getBinaryValue().length;
        } else if (t == JsonToken.VALUE_STRING || t == JsonToken.FIELD_NAME) {
          count += p.getText().length();
        } else if (t == JsonToken.VALUE_NUMBER_INT) {
          count += p.getNumberValue().hashCode();
        }
      }
      return count;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Median nanoseconds per call over 5 rounds, after a warm-up round. */
  private static double time(Supplier<Object> work, int iterations) {
    double[] rounds = new double[6];
    for (int r = 0; r < rounds.length; r++) {
      long start = System.nanoTime();
      for (int i = 0; i < iterations; i++) {
        sink = work.get();
      }
      rounds[r] = (System.nanoTime() - start) / (double) iterations;
    }
    double[] measured = Arrays.copyOfRange(rounds, 1, rounds.length);
    Arrays.sort(measured);
    return measured[measured.length / 2];
  }

  private static byte[] envelope(Random random, int argBytes) {
    byte[] arg = new byte[argBytes];
    random.nextBytes(arg);
    byte[] pubkey = new byte[44];
    random.nextBytes(pubkey);
    CborMap content =
        CborMap.builder()
            .put("request_type", "call")
            .put("sender", Principal.selfAuthenticating(pubkey).toBytes())
            .put("ingress_expiry", CborValue.unsigned(1685570400000000000L))
            .put("canister_id", new byte[] {0, 0, 0, 0, 0, 0, 4, (byte) 0xd2, 1, 1})
            .put("method_name", "greet")
            .put("arg", arg)
            .put("nonce", new byte[16])
            .build();
    return CborEncoder.encodeWithSelfDescribeTag(
        CborMap.builder()
            .put("content", content)
            .put("sender_pubkey", pubkey)
            .put("sender_sig", new byte[64])
            .build());
  }

  /** A block's shape as consensus encodes it: header fields and (id, signed call) pairs. */
  private static byte[] blockLike(Random random, int calls) {
    List<CborValue> messages = new java.util.ArrayList<>();
    for (int i = 0; i < calls; i++) {
      byte[] id = new byte[32];
      random.nextBytes(id);
      messages.add(dev.canopy.types.cbor.CborArray.of(CborValue.bytes(id),
          CborValue.bytes(envelope(random, 16))));
    }
    return CborEncoder.encode(CborMap.builder()
        .put("height", CborValue.unsigned(123_456))
        .put("parent", new byte[32])
        .put("rank", CborValue.unsigned(0))
        .put("maker", new byte[29])
        .put("time", CborValue.unsigned(1_763_700_000_000L))
        .put("messages", new dev.canopy.types.cbor.CborArray(messages))
        .build());
  }

  /** /c/<label>/{a,b,c} for {@code count} labels, plus /time. */
  private static HashTree stateLikeTree(Random random, int count) {
    LabeledTree.Node.Builder canisters = LabeledTree.node();
    for (int i = 0; i < count / 3; i++) {
      byte[] value = new byte[32];
      random.nextBytes(value);
      canisters.put(
          label(i),
          LabeledTree.node()
              .put("certified_data", LabeledTree.leaf(value))
              .put("controllers", LabeledTree.leaf(new byte[40]))
              .put("module_hash", LabeledTree.leaf(value))
              .build());
    }
    return HashTree.fromLabeledTree(
        LabeledTree.node()
            .put("c", canisters.build())
            .put("time", LabeledTree.leaf(new byte[] {1, 2, 3}))
            .build());
  }

  private static Label label(int i) {
    return Label.of(java.nio.ByteBuffer.allocate(10).putLong(i).put((byte) 1).put((byte) 1).array());
  }
}
