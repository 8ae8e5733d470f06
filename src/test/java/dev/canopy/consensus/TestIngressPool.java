package dev.canopy.consensus;

import dev.canopy.types.Hashing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A stand-in for the ingress pool: messages submitted to this replica, each with id
 * {@code SHA-256("sim-ingress" · content)}; a payload is invalid if an id does not match.
 */
final class TestIngressPool implements PayloadSource {
  private static final byte[] DOMAIN = Hashing.domainSeparator("sim-ingress");
  private final Map<Hash, IngressMessage> pending = new LinkedHashMap<>();

  static IngressMessage message(byte[] content) {
    return new IngressMessage(Hash.of(DOMAIN, content), content);
  }

  void submit(IngressMessage m) {
    pending.put(m.messageId(), m);
  }

  int pendingCount() {
    return pending.size();
  }

  void delivered(Batch batch) {
    for (IngressMessage m : batch.messages()) {
      pending.remove(m.messageId());
    }
  }

  @Override
  public Payload selectPayload(long height, long blockTimeMs, Predicate<Hash> excluded, int maxMessages, int maxBytes) {
    List<IngressMessage> chosen = new ArrayList<>();
    int bytes = 0;
    for (IngressMessage m : pending.values()) {
      if (chosen.size() == maxMessages) {
        break;
      }
      if (excluded.test(m.messageId()) || bytes + m.sizeBytes() > maxBytes) {
        continue;
      }
      chosen.add(m);
      bytes += m.sizeBytes();
    }
    return new Payload(chosen);
  }

  @Override
  public Optional<String> invalidity(Payload payload, long blockTimeMs) {
    for (IngressMessage m : payload.messages()) {
      if (!Hash.of(DOMAIN, m.content()).equals(m.messageId())) {
        return Optional.of("message id " + m.messageId().shortHex() + " does not match its content");
      }
    }
    return Optional.empty();
  }
}
