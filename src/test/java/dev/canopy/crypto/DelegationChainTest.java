package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.InvalidAuthenticationException.Reason;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.Leb128;
import dev.canopy.types.Principal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DelegationChainTest {
  static final long NOW_NS = 1_763_685_000_000_000_000L;
  static final long LATER_NS = NOW_NS + 3_600_000_000_000L;

  private final DeterministicRandom random = DeterministicRandom.fromSeed(2026);
  private final SigningKey root = Ed25519SigningKey.generate(random);
  private final SigningKey k1 = EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, random);
  private final SigningKey k2 = EcdsaSigningKey.generate(EcdsaCurve.P256, random);
  private final SigningKey k3 = Ed25519SigningKey.generate(random);

  private static Principal canister(long index) {
    return CanisterId.fromIndex(index).principal();
  }

  private static SignedDelegation delegate(SigningKey from, SigningKey to, long expirationNs) {
    return SignedDelegation.sign(Delegation.of(to.publicKey().toDer(), expirationNs), from);
  }

  private static InvalidAuthenticationException failure(byte[] sender, List<SignedDelegation> chain) {
    return catchThrowableOfType(
        InvalidAuthenticationException.class, () -> DelegationChain.verify(sender, chain, NOW_NS, DelegationLimits.SPEC));
  }

  @Test
  void theDelegationHashFollowsTheSpecsMapHashing() {
    byte[] pubkey = k1.publicKey().toDer();
    Delegation d =
        new Delegation(pubkey, 1_000_000_000L, Optional.of(List.of(canister(1))), Optional.of("queries"));
    // hash_of_map by hand: sorted H(key)·H(value) pairs, hashed.
    List<byte[]> pairs = new ArrayList<>();
    pairs.add(pair("pubkey", Hashing.sha256(pubkey)));
    pairs.add(pair("expiration", Hashing.sha256(Leb128.encodeUnsigned(1_000_000_000L))));
    pairs.add(pair("targets", Hashing.sha256(Hashing.sha256(canister(1).toBytes()))));
    pairs.add(pair("permissions", Hashing.sha256("queries".getBytes(StandardCharsets.UTF_8))));
    pairs.sort(Arrays::compareUnsigned);
    byte[] expected = Hashing.sha256(pairs.toArray(new byte[0][]));
    assertThat(d.representationIndependentHash()).isEqualTo(expected);
    byte[] signed = d.signedBytes();
    assertThat(signed).hasSize(27 + 32);
    assertThat(new String(signed, 1, 26, StandardCharsets.US_ASCII)).isEqualTo("ic-request-auth-delegation");
    assertThat(signed[0]).isEqualTo((byte) 26);
  }

  private static byte[] pair(String key, byte[] valueHash) {
    byte[] k = Hashing.sha256(key.getBytes(StandardCharsets.UTF_8));
    byte[] out = Arrays.copyOf(k, 64);
    System.arraycopy(valueHash, 0, out, 32, 32);
    return out;
  }

  /** Ed25519 keys with seed {@code [n, 0, …, 0]}, as agent-js's delegation tests make them. */
  private static Ed25519SigningKey agentJsIdentity(int n) {
    byte[] seed = new byte[32];
    seed[0] = (byte) n;
    return Ed25519SigningKey.fromSeed(seed);
  }

  // agent-js packages/identity/src/identity/delegation.test.ts, "delegation signs with proper keys (3)".
  @Test
  void verifiesAndReproducesTheAgentJsGoldenChain() {
    long expirationNs = 0x1655f29d787c0000L; // 2021-01-01T00:00:00Z
    byte[] rootDer = Hex.decode("302a300506032b65700321006b79c57e6a095239282c04818e96112f3f03a4001ba97a564c23852a3f1ea5fc");
    byte[] middleDer = Hex.decode("302a300506032b6570032100cecc1507dc1ddd7295951c290888f095adb9044d1b73d696e6df065d683bd4fc");
    byte[] bottomDer = Hex.decode("302a300506032b65700321003b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29");
    List<SignedDelegation> golden =
        List.of(
            new SignedDelegation(
                Delegation.of(middleDer, expirationNs),
                Hex.decode("b106d135e5ad7459dc67db68a4946fdbe603e650df4035957db7f0fb54e7467bb463116a2ad025e1887cd1f29025e0f3607b09924abbbbebfaf921b675c8ff08")),
            new SignedDelegation(
                Delegation.of(bottomDer, expirationNs),
                Hex.decode("5e40f3d171e499a691092e5b961b5447921091bcf8c6409cb5641541f4dc1390f501c5dfb16b10df29d429cd153b9e396af4e883ed3cfa090d28e214db14c308")));
    DelegatedAuthority authority = DelegationChain.verify(rootDer, golden, expirationNs, DelegationLimits.SPEC);
    assertThat(authority.requestSigningKey().toDer()).isEqualTo(bottomDer);
    assertThat(authority.targets()).isEqualTo(TargetRestriction.ALL);
    // Ed25519 is deterministic, so signing the same delegations reproduces agent-js's bytes.
    assertThat(agentJsIdentity(2).publicKey().toDer()).isEqualTo(rootDer);
    assertThat(SignedDelegation.sign(Delegation.of(middleDer, expirationNs), agentJsIdentity(2))).isEqualTo(golden.get(0));
    assertThat(SignedDelegation.sign(Delegation.of(bottomDer, expirationNs), agentJsIdentity(1))).isEqualTo(golden.get(1));
    // One nanosecond later the chain has expired.
    assertThat(catchThrowableOfType(InvalidAuthenticationException.class,
            () -> DelegationChain.verify(rootDer, golden, expirationNs + 1, DelegationLimits.SPEC)).reason())
        .isEqualTo(Reason.DELEGATION_EXPIRED);
  }

  @Test
  void aValidChainYieldsTheLastKeyAndIntersectedTargets() {
    List<SignedDelegation> chain =
        List.of(
            SignedDelegation.sign(
                new Delegation(k1.publicKey().toDer(), LATER_NS, Optional.of(List.of(canister(1), canister(2), canister(3))), Optional.empty()),
                root),
            SignedDelegation.sign(
                new Delegation(k2.publicKey().toDer(), LATER_NS, Optional.of(List.of(canister(3), canister(2), canister(9))), Optional.of("all")),
                k1),
            delegate(k2, k3, NOW_NS)); // expiring exactly now is still valid (expiration ≥ now)
    DelegatedAuthority authority = DelegationChain.verify(root.publicKey().toDer(), chain, NOW_NS, DelegationLimits.SPEC);
    assertThat(authority.requestSigningKey()).isEqualTo(k3.publicKey());
    assertThat(authority.queriesOnly()).isFalse();
    assertThat(authority.targets()).isInstanceOf(TargetRestriction.OnlyCanisters.class);
    assertThat(((TargetRestriction.OnlyCanisters) authority.targets()).canisters()).containsExactly(canister(2), canister(3));
    assertThat(authority.targets().permits(canister(1))).isFalse();
    assertThat(authority.targets().permits(canister(2))).isTrue();
  }

  @Test
  void noDelegationsMeansTheSenderKeySignsWithoutRestrictions() {
    DelegatedAuthority authority = DelegationChain.verify(root.publicKey().toDer(), List.of(), NOW_NS, DelegationLimits.SPEC);
    assertThat(authority.requestSigningKey()).isEqualTo(root.publicKey());
    assertThat(authority.targets().permits(canister(77))).isTrue();
  }

  @Test
  void queriesPermissionAnywhereRestrictsTheWholeChain() {
    List<SignedDelegation> chain =
        List.of(
            SignedDelegation.sign(new Delegation(k1.publicKey().toDer(), LATER_NS, Optional.empty(), Optional.of("queries")), root),
            SignedDelegation.sign(new Delegation(k2.publicKey().toDer(), LATER_NS, Optional.empty(), Optional.of("all")), k1));
    assertThat(DelegationChain.verify(root.publicKey().toDer(), chain, NOW_NS, DelegationLimits.SPEC).queriesOnly()).isTrue();
  }

  @Test
  void anExpiredDelegationIsNamedWithItsTimeAndTheReplicasTime() {
    List<SignedDelegation> chain = List.of(delegate(root, k1, LATER_NS), delegate(k1, k2, NOW_NS - 1));
    InvalidAuthenticationException e = failure(root.publicKey().toDer(), chain);
    assertThat(e.reason()).isEqualTo(Reason.DELEGATION_EXPIRED);
    assertThat(e.delegationIndex()).hasValue(1);
    assertThat(e.getMessage())
        .startsWith("sender_delegation[1] expired at 2025-11-21T00:29:59.999999999Z (1763684999999999999 ns)")
        .contains("the replica's time is 2025-11-21T00:30:00Z (1763685000000000000 ns)");
  }

  @Test
  void aDelegationSignedByTheWrongKeyFails() {
    List<SignedDelegation> chain = List.of(delegate(root, k1, LATER_NS), delegate(root, k2, LATER_NS));
    InvalidAuthenticationException e = failure(root.publicKey().toDer(), chain);
    assertThat(e.reason()).isEqualTo(Reason.DELEGATION_SIGNATURE_INVALID);
    assertThat(e.delegationIndex()).hasValue(1);
    assertThat(e.getMessage()).contains("sender_delegation[0].delegation.pubkey");
  }

  @Test
  void aTamperedDelegationFails() {
    SignedDelegation good = delegate(root, k1, LATER_NS);
    SignedDelegation extended = new SignedDelegation(Delegation.of(k1.publicKey().toDer(), LATER_NS + 1), good.signature());
    assertThat(failure(root.publicKey().toDer(), List.of(extended)).reason()).isEqualTo(Reason.DELEGATION_SIGNATURE_INVALID);
  }

  @Test
  void twentyDelegationsPassAndTwentyOneFail() {
    DeterministicRandom keys = DeterministicRandom.fromSeed(21);
    List<SigningKey> chainKeys = new ArrayList<>();
    chainKeys.add(root);
    for (int i = 0; i < 21; i++) {
      chainKeys.add(Ed25519SigningKey.generate(keys));
    }
    List<SignedDelegation> chain = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      chain.add(delegate(chainKeys.get(i), chainKeys.get(i + 1), LATER_NS));
    }
    assertThat(DelegationChain.verify(root.publicKey().toDer(), chain.subList(0, 20), NOW_NS, DelegationLimits.SPEC).requestSigningKey())
        .isEqualTo(chainKeys.get(20).publicKey());
    InvalidAuthenticationException e = failure(root.publicKey().toDer(), chain);
    assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_DELEGATIONS);
    assertThat(e.getMessage()).contains("21 delegations").contains("at most 20");
  }

  @Test
  void cyclesAndSelfDelegationsFail() {
    InvalidAuthenticationException cycle =
        failure(root.publicKey().toDer(), List.of(delegate(root, k1, LATER_NS), delegate(k1, k2, LATER_NS), delegate(k2, root, LATER_NS)));
    assertThat(cycle.reason()).isEqualTo(Reason.REPEATED_KEY);
    assertThat(cycle.delegationIndex()).hasValue(2);
    assertThat(cycle.getMessage()).contains("cycle");
    InvalidAuthenticationException self = failure(root.publicKey().toDer(), List.of(delegate(root, root, LATER_NS)));
    assertThat(self.reason()).isEqualTo(Reason.REPEATED_KEY);
    assertThat(self.getMessage()).contains("to itself");
  }

  @Test
  void targetsAndPermissionsAreBounded() {
    List<Principal> many = new ArrayList<>();
    for (int i = 0; i < 1001; i++) {
      many.add(canister(i));
    }
    SignedDelegation tooMany =
        SignedDelegation.sign(new Delegation(k1.publicKey().toDer(), LATER_NS, Optional.of(many), Optional.empty()), root);
    assertThat(failure(root.publicKey().toDer(), List.of(tooMany)).reason()).isEqualTo(Reason.TOO_MANY_TARGETS);
    SignedDelegation thousand =
        SignedDelegation.sign(new Delegation(k1.publicKey().toDer(), LATER_NS, Optional.of(many.subList(0, 1000)), Optional.empty()), root);
    assertThat(DelegationChain.verify(root.publicKey().toDer(), List.of(thousand), NOW_NS, DelegationLimits.SPEC).targets().permits(canister(999)))
        .isTrue();
    SignedDelegation badPermissions =
        SignedDelegation.sign(new Delegation(k1.publicKey().toDer(), LATER_NS, Optional.empty(), Optional.of("updates")), root);
    InvalidAuthenticationException e = failure(root.publicKey().toDer(), List.of(badPermissions));
    assertThat(e.reason()).isEqualTo(Reason.INVALID_PERMISSIONS);
    assertThat(e.getMessage()).contains("\"updates\"");
  }

  @Test
  void delegatingToABlsKeyOrAnUnlistedWebAuthnAlgorithmFails() {
    byte[] blsDer = BlsSecretKey.fromSeed(new byte[32]).publicKey().toDer();
    SignedDelegation toBls = SignedDelegation.sign(Delegation.of(blsDer, LATER_NS), root);
    InvalidAuthenticationException e = failure(root.publicKey().toDer(), List.of(toBls));
    assertThat(e.reason()).isEqualTo(Reason.INVALID_KEY);
    assertThat(e.getMessage()).contains("BLS12-381").contains("cannot sign requests");
    // A WebAuthn key whose COSE key is ES384 (type 2, alg -35): a scheme the spec does not list.
    byte[] es384 = PublicKeyDer.wrapKeyBytes(WebAuthnPublicKey.OID, dev.canopy.types.cbor.CborEncoder.encode(dev.canopy.types.cbor.CborMap.builder()
        .put(dev.canopy.types.cbor.CborValue.unsigned(1), dev.canopy.types.cbor.CborValue.unsigned(2))
        .put(dev.canopy.types.cbor.CborValue.unsigned(3), dev.canopy.types.cbor.CborValue.integer(java.math.BigInteger.valueOf(-35)))
        .build()));
    InvalidAuthenticationException webauthn = failure(es384, List.of());
    assertThat(webauthn.reason()).isEqualTo(Reason.INVALID_KEY);
    assertThat(webauthn.getMessage()).startsWith("sender_pubkey: ").contains("algorithm -35");
    // The spec's own example WebAuthn key is accepted.
    assertThat(DelegationChain.verify(Hex.decode(PublicKeyDerTest.SPEC_WEBAUTHN_KEY_DER), List.of(), NOW_NS,
        DelegationLimits.SPEC).requestSigningKey()).isInstanceOf(WebAuthnPublicKey.class);
  }
}
