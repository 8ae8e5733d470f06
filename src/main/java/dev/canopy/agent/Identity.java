package dev.canopy.agent;

import dev.canopy.crypto.SigningKey;
import dev.canopy.types.Principal;
import java.util.Objects;
import java.util.Optional;

/**
 * Who signs requests: the anonymous principal (no key, no signature) or the holder of a key, whose
 * principal is self-authenticating (spec "Authentication").
 */
public sealed interface Identity permits Identity.Anonymous, Identity.KeyIdentity {
  /** The 11 bytes {@code \x0Aic-request}: the domain separator of request signatures. */
  byte[] REQUEST_DOMAIN = {0x0a, 'i', 'c', '-', 'r', 'e', 'q', 'u', 'e', 's', 't'};

  Principal sender();

  /** The DER public key sent as {@code sender_pubkey}; empty for the anonymous identity. */
  Optional<byte[]> publicKeyDer();

  /** {@code sender_sig} over {@code \x0Aic-request · requestId}; empty for the anonymous identity. */
  Optional<byte[]> signRequest(byte[] requestId);

  static Identity anonymous() {
    return new Anonymous();
  }

  static Identity of(SigningKey key) {
    return new KeyIdentity(key);
  }

  record Anonymous() implements Identity {
    @Override
    public Principal sender() {
      return Principal.ANONYMOUS;
    }

    @Override
    public Optional<byte[]> publicKeyDer() {
      return Optional.empty();
    }

    @Override
    public Optional<byte[]> signRequest(byte[] requestId) {
      return Optional.empty();
    }
  }

  record KeyIdentity(SigningKey key) implements Identity {
    public KeyIdentity {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public Principal sender() {
      return Principal.selfAuthenticating(key.publicKey().toDer());
    }

    @Override
    public Optional<byte[]> publicKeyDer() {
      return Optional.of(key.publicKey().toDer());
    }

    @Override
    public Optional<byte[]> signRequest(byte[] requestId) {
      byte[] message = new byte[REQUEST_DOMAIN.length + requestId.length];
      System.arraycopy(REQUEST_DOMAIN, 0, message, 0, REQUEST_DOMAIN.length);
      System.arraycopy(requestId, 0, message, REQUEST_DOMAIN.length, requestId.length);
      return Optional.of(key.sign(message));
    }
  }
}
