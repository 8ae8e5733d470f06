package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.InvalidAuthenticationException.Reason;
import dev.canopy.crypto.RequestAuthentication.Authorization;
import dev.canopy.types.RequestId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestAuthenticationTest {
  static final long NOW_NS = DelegationChainTest.NOW_NS;
  private final DeterministicRandom random = DeterministicRandom.fromSeed(77);
  private final byte[] requestId = Hashing.sha256(new byte[] {1, 2, 3});

  private static byte[] requestSignature(SigningKey key, byte[] requestId) {
    return key.sign(Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, requestId));
  }

  private InvalidAuthenticationException failure(
      Principal sender, byte[] pubkey, byte[] sig, List<SignedDelegation> delegations) {
    return catchThrowableOfType(
        InvalidAuthenticationException.class,
        () -> RequestAuthentication.authenticate(sender, pubkey, sig, delegations, requestId, NOW_NS, DelegationLimits.SPEC));
  }

  @Test
  void theRequestDomainSeparatorIsTheElevenBytesOfTheSpec() {
    assertThat(RequestAuthentication.REQUEST_DOMAIN).hasSize(11).startsWith(0x0a);
    assertThat(RequestAuthentication.DELEGATION_DOMAIN).hasSize(27).startsWith(0x1a);
  }

  @Test
  void signedRequestsVerifyForEveryUserScheme() {
    for (SigningKey key :
        List.of(
            Ed25519SigningKey.generate(random),
            EcdsaSigningKey.generate(EcdsaCurve.P256, random),
            EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, random))) {
      byte[] der = key.publicKey().toDer();
      Authorization auth =
          RequestAuthentication.authenticate(
              Principal.selfAuthenticating(der), der, requestSignature(key, requestId), null, requestId, NOW_NS, DelegationLimits.SPEC);
      assertThat(auth).isEqualTo(Authorization.UNRESTRICTED);
      // Signing the bare request id (no domain separator) is not enough.
      InvalidAuthenticationException e = failure(Principal.selfAuthenticating(der), der, key.sign(requestId), null);
      assertThat(e.reason()).as(key.toString()).isEqualTo(Reason.REQUEST_SIGNATURE_INVALID);
    }
  }

  @Test
  void withDelegationsTheLastKeyMustSign() {
    SigningKey root = Ed25519SigningKey.generate(random);
    SigningKey session = EcdsaSigningKey.generate(EcdsaCurve.P256, random);
    byte[] der = root.publicKey().toDer();
    Principal sender = Principal.selfAuthenticating(der);
    List<SignedDelegation> chain =
        List.of(SignedDelegation.sign(Delegation.of(session.publicKey().toDer(), NOW_NS + 1), root));
    RequestAuthentication.authenticate(sender, der, requestSignature(session, requestId), chain, requestId, NOW_NS, DelegationLimits.SPEC);
    InvalidAuthenticationException e = failure(sender, der, requestSignature(root, requestId), chain);
    assertThat(e.reason()).isEqualTo(Reason.REQUEST_SIGNATURE_INVALID);
    assertThat(e.getMessage()).contains("the key of the last delegation");
  }

  @Test
  void theSenderMustBeThePrincipalOfTheKey() {
    SigningKey key = Ed25519SigningKey.generate(random);
    SigningKey other = Ed25519SigningKey.generate(random);
    byte[] der = key.publicKey().toDer();
    InvalidAuthenticationException e =
        failure(Principal.selfAuthenticating(other.publicKey().toDer()), der, requestSignature(key, requestId), null);
    assertThat(e.reason()).isEqualTo(Reason.SENDER_MISMATCH);
    assertThat(e.getMessage()).contains(Principal.selfAuthenticating(der).toText());
  }

  @Test
  void anonymousRequestsCarryNoCredentialsAndOthersNeedThem() {
    assertThat(RequestAuthentication.authenticate(Principal.ANONYMOUS, null, null, null, requestId, NOW_NS, DelegationLimits.SPEC))
        .isEqualTo(Authorization.UNRESTRICTED);
    SigningKey key = Ed25519SigningKey.generate(random);
    byte[] der = key.publicKey().toDer();
    assertThat(failure(Principal.ANONYMOUS, der, null, null).reason()).isEqualTo(Reason.ANONYMOUS_WITH_CREDENTIALS);
    assertThat(failure(Principal.ANONYMOUS, null, null, List.of()).reason()).isEqualTo(Reason.ANONYMOUS_WITH_CREDENTIALS);
    InvalidAuthenticationException missing = failure(Principal.selfAuthenticating(der), der, null, null);
    assertThat(missing.reason()).isEqualTo(Reason.MISSING_CREDENTIALS);
    assertThat(missing.getMessage()).endsWith("needs sender_sig");
  }

  @Test
  void aRequestIdMustHave32Bytes() {
    SigningKey key = Ed25519SigningKey.generate(random);
    InvalidAuthenticationException e =
        catchThrowableOfType(
            InvalidAuthenticationException.class,
            () -> RequestAuthentication.verifyRequestSignature(key.publicKey(), new byte[31], new byte[64]));
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_REQUEST_ID);
  }
}
