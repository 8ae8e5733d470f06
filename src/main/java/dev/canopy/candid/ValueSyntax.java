package dev.canopy.candid;

import java.util.List;

/**
 * A textual Candid value as parsed, before it is given a type (spec "Values"). {@link
 * CandidText#typed} turns it into a {@link CandidValue} at a type; {@link CandidText#inferType}
 * guesses a type when none is known.
 */
public sealed interface ValueSyntax {
  /** Where the value starts in the source. */
  Pos pos();

  record Pos(int line, int column) {}

  /** A number as written: sign, digits (with {@code _} and {@code 0x}), and whether a float. */
  record Number(Pos pos, boolean negative, String literal, boolean isFloat)
      implements ValueSyntax {}

  record TextLit(Pos pos, byte[] utf8) implements ValueSyntax {}

  record BoolLit(Pos pos, boolean value) implements ValueSyntax {}

  record NullLit(Pos pos) implements ValueSyntax {}

  record OptLit(Pos pos, ValueSyntax value) implements ValueSyntax {}

  record VecLit(Pos pos, List<ValueSyntax> elements) implements ValueSyntax {}

  record BlobLit(Pos pos, byte[] bytes) implements ValueSyntax {}

  /** A field {@code id = value}; {@code name} is the label as written when it was a name. */
  record FieldLit(long id, String name, ValueSyntax value) {}

  record RecordLit(Pos pos, List<FieldLit> fields) implements ValueSyntax {}

  record VariantLit(Pos pos, FieldLit field) implements ValueSyntax {}

  record PrincipalLit(Pos pos, String text) implements ValueSyntax {}

  record ServiceLit(Pos pos, String text) implements ValueSyntax {}

  record FuncLit(Pos pos, String service, String method) implements ValueSyntax {}

  /** {@code (value : type)}. */
  record Annotated(Pos pos, ValueSyntax value, CandidType type) implements ValueSyntax {}
}
