package dev.canopy.consensus;

import java.util.Arrays;

/**
 * An ingress message as consensus carries it: opaque bytes and the id the ingress layer gave them
 * (the request id). Consensus never looks inside; the {@link PayloadSource} vouches for the pair.
 */
public record IngressMessage(Hash messageId, byte[] content) {
  public IngressMessage {
    if (messageId == null || content == null) {
      throw new IllegalArgumentException("message id and content are required");
    }
    content = content.clone();
  }

  @Override
  public byte[] content() {
    return content.clone();
  }

  /** The message id's and the content's bytes, without copying the content. */
  public int sizeBytes() {
    return Hash.BYTES + content.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IngressMessage m && messageId.equals(m.messageId) && Arrays.equals(content, m.content);
  }

  @Override
  public int hashCode() {
    return messageId.hashCode();
  }

  @Override
  public String toString() {
    return "IngressMessage[" + messageId.shortHex() + ", " + content.length + " bytes]";
  }
}
