package dev.canopy.candid;

import dev.canopy.types.InvalidInputException;

/**
 * Candid text (a value, a type or a service description) that does not parse, or a textual value
 * that does not fit its type. The message gives the line and column.
 */
public final class CandidSyntaxException extends InvalidInputException {
  private final int line;
  private final int column;

  public CandidSyntaxException(int line, int column, String message) {
    super(message + " (at line " + line + ", column " + column + ")");
    this.line = line;
    this.column = column;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
