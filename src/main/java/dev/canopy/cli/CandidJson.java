package dev.canopy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.types.Hex;
import java.math.BigInteger;
import java.util.List;

/**
 * Candid values as JSON, for scripts ({@code canopy call --output json}): numbers as JSON numbers,
 * records as objects with the field names the type gives (else {@code _<id>}), variants as
 * {@code {"tag": value}}, {@code opt} as the value or null, blobs and principals as strings (hex
 * and text form). One result is printed as itself, several as an array.
 */
final class CandidJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();

  private CandidJson() {}

  static String results(List<CandidValue> values, List<CandidType> types) {
    JsonNode node;
    if (values.size() == 1) {
      node = value(values.get(0), types.isEmpty() ? null : types.get(0));
    } else {
      ArrayNode a = NODES.arrayNode();
      for (int i = 0; i < values.size(); i++) {
        a.add(value(values.get(i), i < types.size() ? types.get(i) : null));
      }
      node = a;
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode value(CandidValue v, CandidType type) {
    CandidType t = type == null ? null : type.resolve();
    if (v instanceof CandidValue.Null || v instanceof CandidValue.Reserved) {
      return NODES.nullNode();
    }
    if (v instanceof CandidValue.Bool b) {
      return NODES.booleanNode(b.value());
    }
    if (v instanceof CandidValue.Nat n) {
      return NODES.numberNode(n.value());
    }
    if (v instanceof CandidValue.Int n) {
      return NODES.numberNode(n.value());
    }
    if (v instanceof CandidValue.FixedNat n) {
      return NODES.numberNode(new BigInteger(Long.toUnsignedString(n.value())));
    }
    if (v instanceof CandidValue.FixedInt n) {
      return NODES.numberNode(n.value());
    }
    if (v instanceof CandidValue.Float32 f) {
      return NODES.numberNode(f.value());
    }
    if (v instanceof CandidValue.Float64 f) {
      return NODES.numberNode(f.value());
    }
    if (v instanceof CandidValue.Text s) {
      return NODES.textNode(s.value());
    }
    if (v instanceof CandidValue.Blob b) {
      return NODES.textNode(Hex.encode(b.bytes()));
    }
    if (v instanceof CandidValue.PrincipalValue p) {
      return NODES.textNode(p.principal().toText());
    }
    if (v instanceof CandidValue.Service s) {
      return NODES.textNode(s.id().toText());
    }
    if (v instanceof CandidValue.Func f) {
      ObjectNode o = NODES.objectNode();
      o.put("service", f.service().toText());
      o.put("method", f.method());
      return o;
    }
    if (v instanceof CandidValue.Opt o) {
      CandidType inner = t instanceof CandidType.Opt ot ? ot.inner() : null;
      return o.isPresent() ? value(o.value(), inner) : NODES.nullNode();
    }
    if (v instanceof CandidValue.Vec vec) {
      CandidType element = t instanceof CandidType.Vec vt ? vt.element() : null;
      ArrayNode a = NODES.arrayNode();
      for (CandidValue e : vec.elements()) {
        a.add(value(e, element));
      }
      return a;
    }
    if (v instanceof CandidValue.Record r) {
      List<CandidType.Field> fields = t instanceof CandidType.Record rt ? rt.fields() : List.of();
      ObjectNode o = NODES.objectNode();
      for (CandidValue.FieldValue f : r.fields()) {
        CandidType.Field tf = find(fields, f.id());
        o.set(name(tf, f.id()), value(f.value(), tf == null ? null : tf.type()));
      }
      return o;
    }
    if (v instanceof CandidValue.Variant var) {
      List<CandidType.Field> fields = t instanceof CandidType.Variant vt ? vt.fields() : List.of();
      CandidType.Field tf = find(fields, var.id());
      ObjectNode o = NODES.objectNode();
      o.set(name(tf, var.id()), value(var.value(), tf == null ? null : tf.type()));
      return o;
    }
    return NODES.textNode(String.valueOf(v));
  }

  private static CandidType.Field find(List<CandidType.Field> fields, long id) {
    for (CandidType.Field f : fields) {
      if (f.id() == id) {
        return f;
      }
    }
    return null;
  }

  private static String name(CandidType.Field f, long id) {
    return f != null && f.name() != null ? f.name() : "_" + id;
  }
}
