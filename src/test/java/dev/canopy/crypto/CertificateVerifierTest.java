package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.crypto.CertificateVerifier.Scope;
import dev.canopy.crypto.CertificateVerifier.InvalidCertificateException;
import dev.canopy.crypto.CertificateVerifier.InvalidCertificateException.Reason;
import dev.canopy.types.Hex;
import dev.canopy.types.Leb128;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.LabeledTree;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CertificateVerifierTest {
  /**
   * The IC mainnet root key and a mainnet certificate with a delegation (a rejected call's status),
   * from dfinity/agent-js {@code packages/agent/src/certificate.test.ts}, which took it from
   * agent-rs's tests. Its delegation covers canisters {@code 00000000002000000101} to {@code
   * 00000000002FFFFF0101} via {@code /subnet/<sid>/canister_ranges}.
   */
  static final String IC_ROOT_KEY =
      "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100814"
          + "c0e6ec71fab583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d968"
          + "5f913a0c0b2cc5341583bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484"
          + "b01291091c5f87b98883463f98091a0baaae";

  static final String SAMPLE_CERT =
      "d9d9f7a364747265658301830182045820250f5e26868d9c1ea7ab29cbe9c15bf1c47c0d7605e803e39e375a7fe09c6ebb830183024e726571756573745f7374617475738301820458204b268227774ec77ff2b37ecb12157329d54cf376694bdd59ded7803efd82386f83025820edad510eaaa08ed2acd4781324e6446269da6753ec17760f206bbe81c465ff528301830183024b72656a6563745f636f64658203410383024e72656a6563745f6d6573736167658203584443616e69737465722069766733372d71696161612d61616161622d61616167612d63616920686173206e6f20757064617465206d6574686f64202772656769737465722783024673746174757382034872656a65637465648204582097232f31f6ab7ca4fe53eb6568fc3e02bc22fe94ab31d010e5fb3c642301f1608301820458203a48d1fc213d49307103104f7d72c2b5930edba8787b90631f343b3aa68a5f0a83024474696d65820349e2dc939091c696eb16697369676e6174757265583089a2be21b5fa8ac9fab1527e041327ce899d7da971436a1f2165393947b4d942365bfe5488710e61a619ba48388a21b16a64656c65676174696f6ea2697375626e65745f6964581dd77b2a2f7199b9a8aec93fe6fb588661358cf12223e9a3af7b4ebac4026b6365727469666963617465590231d9d9f7a26474726565830182045820ae023f28c3b9d966c8fb09f9ed755c828aadb5152e00aaf700b18c9c067294b483018302467375626e6574830182045820e83bb025f6574c8f31233dc0fe289ff546dfa1e49bd6116dd6e8896d90a4946e830182045820e782619092d69d5bebf0924138bd4116b0156b5a95e25c358ea8cf7e7161a661830183018204582062513fa926c9a9ef803ac284d620f303189588e1d3904349ab63b6470856fc4883018204582060e9a344ced2c9c4a96a0197fd585f2d259dbd193e4eada56239cac26087f9c58302581dd77b2a2f7199b9a8aec93fe6fb588661358cf12223e9a3af7b4ebac402830183024f63616e69737465725f72616e6765738203581bd9d9f781824a000000000020000001014a00000000002fffff010183024a7075626c69635f6b657982035885308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c050302010361009933e1f89e8a3c4d7fdcccdbd518089e2bd4d8180a261f18d9c247a52768ebce98dc7328a39814a8f911086a1dd50cbe015e2a53b7bf78b55288893daa15c346640e8831d72a12bdedd979d28470c34823b8d1c3f4795d9c3984a247132e94fe82045820996f17bb926be3315745dea7282005a793b58e76afeb5d43d1a28ce29d2d158583024474696d6582034995b8aac0e4eda2ea16697369676e61747572655830ace9fcdd9bc977e05d6328f889dc4e7c99114c737a494653cb27a1f55c06f4555e0f160980af5ead098acc195010b2f7";

  /** agent-js verifies the sample at this time with its 5-minute window. */
  static final long SAMPLE_NOW_NANOS = nanos("2022-02-23T07:38:00.652Z");
  static final long MINUTE_NANOS = 60_000_000_000L;

  static long nanos(String instant) {
    Instant i = Instant.parse(instant);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  static Principal canister(String hex) {
    return Principal.fromBytes(Hex.decode(hex));
  }

  final CertificateVerifier mainnet = CertificateVerifier.forRootKey(Hex.decode(IC_ROOT_KEY));

  static void assertRejected(Runnable r, Reason reason) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            InvalidCertificateException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void theMainnetSampleVerifiesForCanistersInItsDelegationsRanges() {
    for (String id : new String[] {"00000000002000000101", "000000000020000C0101", "00000000002FFFFF0101"}) {
      CertificateVerifier.VerifiedCertificate v =
          mainnet.verify(Hex.decode(SAMPLE_CERT), Scope.canister(canister(id)), SAMPLE_NOW_NANOS);
      assertThat(v.delegatedSubnet()).isPresent();
      assertThat(Math.abs(v.timeNanos() - SAMPLE_NOW_NANOS)).isLessThan(5 * MINUTE_NANOS);
      assertThat(v.certificate().lookup("request_status")).isNotNull();
    }
  }

  @Test
  void theMainnetSampleFailsForCanistersOutsideItsRanges() {
    for (String id : new String[] {"00000000000000020101", "00000000003000020101"}) {
      assertRejected(
          () -> mainnet.verify(Hex.decode(SAMPLE_CERT), Scope.canister(canister(id)), SAMPLE_NOW_NANOS),
          Reason.CANISTER_NOT_IN_RANGES);
    }
  }

  @Test
  void theMainnetSampleChecksTheSubnetScope() {
    Certificate cert = Certificate.decode(Hex.decode(SAMPLE_CERT));
    SubnetId sid = cert.delegation().orElseThrow().subnetId();
    mainnet.verify(cert, Scope.subnet(sid.principal()), SAMPLE_NOW_NANOS);
    assertRejected(
        () -> mainnet.verify(cert, Scope.subnet(canister("00000000002000000101")), SAMPLE_NOW_NANOS),
        Reason.SUBNET_MISMATCH);
  }

  @Test
  void theMainnetSampleFailsWithAZeroedSignatureOrAnotherRootKey() {
    Certificate cert = Certificate.decode(Hex.decode(SAMPLE_CERT));
    Certificate zeroed = new Certificate(cert.tree(), new byte[48], cert.delegation());
    assertRejected(() -> mainnet.verify(zeroed, Scope.unscoped(), SAMPLE_NOW_NANOS), Reason.BAD_SIGNATURE);
    CertificateVerifier other =
        CertificateVerifier.forRootKey(BlsSecretKey.fromSeed(seed(1)).publicKey().toDer());
    assertRejected(() -> other.verify(cert, Scope.unscoped(), SAMPLE_NOW_NANOS), Reason.BAD_SIGNATURE);
  }

  @Test
  void theMainnetSampleIsStaleTenMinutesLaterAndTooNewTenMinutesEarlier() {
    byte[] cert = Hex.decode(SAMPLE_CERT);
    assertRejected(
        () -> mainnet.verify(cert, Scope.unscoped(), SAMPLE_NOW_NANOS + 10 * MINUTE_NANOS),
        Reason.STALE_OR_FUTURE_TIME);
    assertRejected(
        () -> mainnet.verify(cert, Scope.unscoped(), SAMPLE_NOW_NANOS - 10 * MINUTE_NANOS),
        Reason.STALE_OR_FUTURE_TIME);
    mainnet.withMaxTimeSkewNanos(Long.MAX_VALUE / 2).verify(cert, Scope.unscoped(), SAMPLE_NOW_NANOS + 10 * MINUTE_NANOS);
  }

  // Certificates of our own making, for the cases the sample does not cover.

  static final BlsSecretKey ROOT = BlsSecretKey.fromSeed(seed(2));
  static final BlsSecretKey SUBNET_KEY = BlsSecretKey.fromSeed(seed(3));
  static final SubnetId SUBNET = new SubnetId(Principal.selfAuthenticating(SUBNET_KEY.publicKey().toDer()));
  static final long NOW = nanos("2026-01-01T00:00:00Z");

  static byte[] seed(int b) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) b);
    return s;
  }

  static Certificate sign(LabeledTree data, BlsSecretKey key, Optional<Certificate.Delegation> delegation) {
    HashTree tree = HashTree.fromLabeledTree(data);
    return new Certificate(tree, key.sign(BlsSignatureScheme.stateRootMessage(tree.digest())), delegation);
  }

  static byte[] ranges(String startHex, String endHex) {
    return CborEncoder.encodeWithSelfDescribeTag(
        CborArray.of(CborArray.of(CborValue.bytes(Hex.decode(startHex)), CborValue.bytes(Hex.decode(endHex)))));
  }

  static LabeledTree.Node.Builder withTime() {
    return LabeledTree.node().put("time", LabeledTree.leaf(Leb128.encodeUnsigned(NOW)));
  }

  /** A delegation in the v3 form: sharded ranges under /canister_ranges/<sid>/<first id>. */
  static Certificate.Delegation shardedDelegation(boolean withKey, Optional<Certificate.Delegation> nested) {
    LabeledTree.Node.Builder subnet = LabeledTree.node();
    if (withKey) {
      subnet.put("public_key", LabeledTree.leaf(SUBNET_KEY.publicKey().toDer()));
    }
    LabeledTree data =
        withTime()
            .put("subnet", LabeledTree.node().put(SUBNET.toBytes(), subnet.build()).build())
            .put(
                "canister_ranges",
                LabeledTree.node()
                    .put(
                        SUBNET.toBytes(),
                        LabeledTree.node()
                            .put(Hex.decode("00000000000000000101"), LabeledTree.leaf(ranges("00000000000000000101", "000000000000000f0101")))
                            .put(Hex.decode("00000000001000000101"), LabeledTree.leaf(ranges("00000000001000000101", "00000000001fffff0101")))
                            .build())
                    .build())
            .build();
    return new Certificate.Delegation(SUBNET, sign(data, ROOT, nested).encode());
  }

  final CertificateVerifier ours = CertificateVerifier.forRootKey(ROOT.publicKey().toDer());

  @Test
  void aShardedDelegationCoversTheCanistersOfEveryShard() {
    Certificate cert = sign(withTime().build(), SUBNET_KEY, Optional.of(shardedDelegation(true, Optional.empty())));
    ours.verify(cert, Scope.canister(canister("00000000000000050101")), NOW);
    ours.verify(cert, Scope.canister(canister("00000000001234560101")), NOW);
    assertRejected(
        () -> ours.verify(cert, Scope.canister(canister("00000000000000100101")), NOW),
        Reason.CANISTER_NOT_IN_RANGES);
    // Signed by the root key instead of the delegated subnet key: refused.
    Certificate wrongSigner = sign(withTime().build(), ROOT, Optional.of(shardedDelegation(true, Optional.empty())));
    assertRejected(() -> ours.verify(wrongSigner, Scope.unscoped(), NOW), Reason.BAD_SIGNATURE);
  }

  @Test
  void aNestedDelegationOrADelegationWithoutTheSubnetKeyIsRefused() {
    Certificate.Delegation inner = shardedDelegation(true, Optional.empty());
    Certificate nested =
        sign(withTime().build(), SUBNET_KEY, Optional.of(shardedDelegation(true, Optional.of(inner))));
    assertRejected(() -> ours.verify(nested, Scope.unscoped(), NOW), Reason.NESTED_DELEGATION);
    Certificate keyless = sign(withTime().build(), SUBNET_KEY, Optional.of(shardedDelegation(false, Optional.empty())));
    assertRejected(() -> ours.verify(keyless, Scope.unscoped(), NOW), Reason.MISSING_SUBNET_KEY);
  }

  @Test
  void aCertificateWithoutTimeOrWithGarbageIsRefused() {
    Certificate timeless =
        sign(LabeledTree.node().put("x", LabeledTree.leaf("y")).build(), ROOT, Optional.empty());
    assertRejected(() -> ours.verify(timeless, Scope.unscoped(), NOW), Reason.MISSING_TIME);
    Certificate badTime =
        sign(LabeledTree.node().put("time", LabeledTree.leaf(new byte[] {(byte) 0x80})).build(), ROOT, Optional.empty());
    assertRejected(() -> ours.verify(badTime, Scope.unscoped(), NOW), Reason.MALFORMED);
    assertRejected(() -> ours.verify(new byte[] {1, 2, 3}, Scope.unscoped(), NOW), Reason.MALFORMED);
    Certificate badDelegation =
        sign(withTime().build(), SUBNET_KEY, Optional.of(new Certificate.Delegation(SUBNET, new byte[] {(byte) 0xa0})));
    assertRejected(() -> ours.verify(badDelegation, Scope.unscoped(), NOW), Reason.MALFORMED);
    ours.verify(sign(withTime().build(), ROOT, Optional.empty()), Scope.unscoped(), NOW);
  }

  @Test
  void theRootKeyMustBeABlsKey() {
    byte[] ed25519 = Ed25519SigningKey.fromSeed(seed(5)).publicKey().toDer();
    assertThatThrownBy(() -> CertificateVerifier.forRootKey(ed25519)).isInstanceOf(InvalidPublicKeyException.class);
  }
}
