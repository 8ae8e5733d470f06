package dev.canopy.crypto;

import static dev.canopy.crypto.CertificateVerifierTest.ROOT;
import static dev.canopy.crypto.CertificateVerifierTest.SUBNET;
import static dev.canopy.crypto.CertificateVerifierTest.SUBNET_KEY;
import static dev.canopy.crypto.CertificateVerifierTest.ranges;
import static dev.canopy.crypto.CertificateVerifierTest.sign;
import static dev.canopy.crypto.CertificateVerifierTest.withTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.InvalidSignatureException.Reason;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LabeledTree;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Canister signatures (spec "Canister signatures"). */
class CanisterSignatureTest {
  /**
   * Vector STABILITY_1 of dfinity/ic, {@code rs/crypto/internal/test_vectors/src/iccsa.rs}
   * (Apache-2.0), "from a real idp_service canister": Internet Identity's signature, for seed
   * "10000", of the delegation {pubkey: "MY PUBLIC KEY", expiration: 1650114196974266000}, with
   * the certificate of a local replica (2022) and that replica's root key.
   */
  static final String IC_SIGNATURE =
      "d9d9f7a26b636572746966696361746559018bd9d9f7a2647472656583018301830183024863616e6973746572830182045820cbd2968ab7b3383f8e1c81e6ec2811b0873f21ea3b7ad5a769eb9030ce02386e83024a000000000000000801018301830183024e6365727469666965645f6461746182035820f3e90c5b46e5ed3fca8848f2e71651d4439a49a252b83b417d0647f3205c077382045820d08aa58b72017dd5e5149ac22e46a786b6524ec1d8756acf88b9e37c14ef8fe282045820a2a8720abbe0bd650f04a66f7bfadef746b474ef29d41d126bd1ea233615ad188204582099e59e17dce9a13fefc922d20a90db036f77352788e99d698b3640d4fa88772482045820452558ea92c951baf2bf35b294005edeb8c3bf94b6af9b6b92839dd268a7ca5a830182045820b4acde406ef595b7b3c3f16265b9b365bee38294a1b7a59a9d51d6422ab9987983024474696d65820349d8fb9aafea8c96bb16697369676e61747572655830b159a3d65f082279ff3f515d0fe7e8584302b36bcc9c693878483d4f1d07b35c691ac5df09bf9643cafb22cabb30076e64747265658302437369678302582039e5b4830d4d9c14db7368a95b65d5463ea3d09520373723430c03a5a453b5df830258208f7f1d02ee5ff0cd3f3b5dd1d872d004dde7f9187bc139d207ab091dbd55e274820340";
  static final String IC_CANISTER = "qoctq-giaaa-aaaaa-aaaea-cai";
  static final byte[] IC_SEED = "10000".getBytes(StandardCharsets.US_ASCII);
  static final String IC_ROOT_KEY =
      "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100937d967742f4f9b01b8e26d3c9e53c5a251a83586afc73f054bac1aed60c1b11e7a6677ec0b26085cdc1d39ad4c8dcb502ed14f54af440d1d829075b1e9f6e72de57ebb2384a615d0b3e2f3a6af4516532de713a2a57457a66b68b0a7d34f84e";
  static final byte[] IC_PAYLOAD =
      Delegation.of("MY PUBLIC KEY".getBytes(StandardCharsets.US_ASCII), 1_650_114_196_974_266_000L).signedBytes();

  static final Principal CANISTER = Principal.fromBytes(Hex.decode("00000000000000050101"));
  static final byte[] SEED = "user 42 at https://app.example".getBytes(StandardCharsets.UTF_8);

  private final CanisterSignatureVerifier ours = CanisterSignatureVerifier.forRootKey(ROOT.publicKey().toDer());

  private static InvalidSignatureException refusal(CanisterSignatureVerifier verifier, CanisterSignaturePublicKey key,
      byte[] payload, byte[] signature) {
    InvalidSignatureException e = catchThrowableOfType(InvalidSignatureException.class,
        () -> verifier.verify(key, payload, signature));
    assertThat(e).as("refused").isNotNull();
    return e;
  }

  // ---- the published vector

  @Test
  void internetIdentitysSignatureOfADelegationVerifiesUnderItsRootKeyWhateverItsAge() {
    CanisterSignatureVerifier ic = CanisterSignatureVerifier.forRootKey(Hex.decode(IC_ROOT_KEY));
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(Principal.fromText(IC_CANISTER), IC_SEED);
    ic.verify(key, IC_PAYLOAD, Hex.decode(IC_SIGNATURE));
    // Through the dispatch by key type, with the key parsed from its DER.
    UserSignatureVerifier.forRootKey(Hex.decode(IC_ROOT_KEY))
        .verify(UserPublicKey.fromDer(key.toDer()), IC_PAYLOAD, Hex.decode(IC_SIGNATURE));
  }

  @Test
  void thePublishedVectorFailsForAnotherPayloadSeedCanisterRootKeyOrACorruptedSignature() {
    CanisterSignatureVerifier ic = CanisterSignatureVerifier.forRootKey(Hex.decode(IC_ROOT_KEY));
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(Principal.fromText(IC_CANISTER), IC_SEED);
    byte[] sig = Hex.decode(IC_SIGNATURE);
    assertThat(refusal(ic, key, "wrong message".getBytes(StandardCharsets.UTF_8), sig).getMessage())
        .contains("did not sign this payload");
    assertThat(refusal(ic, CanisterSignaturePublicKey.of(key.signingCanister(), "10001".getBytes(StandardCharsets.US_ASCII)), IC_PAYLOAD, sig)
        .getMessage()).contains("did not sign this payload");
    assertThat(refusal(ic, CanisterSignaturePublicKey.of(CANISTER, IC_SEED), IC_PAYLOAD, sig).getMessage())
        .contains("/canister/" + CANISTER + "/certified_data");
    assertThat(refusal(ours, key, IC_PAYLOAD, sig).getMessage()).contains("not valid under the root key");
    byte[] corrupted = sig.clone();
    corrupted[sig.length - 5] ^= (byte) 0xff; // inside the tree's last label: another tree, another hash
    assertThat(refusal(ic, key, IC_PAYLOAD, corrupted).getMessage()).contains("the tree is not the one the canister certified");
    // The self-describe tag is required.
    assertThat(refusal(ic, key, IC_PAYLOAD, Arrays.copyOfRange(sig, 3, sig.length)).reason()).isEqualTo(Reason.MALFORMED);
  }

  // ---- signatures of our own making, on certificates of our own root key

  /** The canister's signature tree with this and a few other signatures, and the witness for this one. */
  static HashTree witness(byte[] seed, byte[] payload) {
    LabeledTree.Node.Builder seeds = LabeledTree.node();
    seeds.put(Hashing.sha256(seed), LabeledTree.node()
        .put(Hashing.sha256(payload), LabeledTree.leaf(new byte[0]))
        .put(Hashing.sha256("an older delegation".getBytes(StandardCharsets.UTF_8)), LabeledTree.leaf(new byte[0]))
        .build());
    for (int i = 0; i < 5; i++) {
      seeds.put(Hashing.sha256(("other user " + i).getBytes(StandardCharsets.UTF_8)), LabeledTree.node()
          .put(Hashing.sha256(new byte[] {(byte) i}), LabeledTree.leaf(new byte[0])).build());
    }
    HashTree full = HashTree.fromLabeledTree(LabeledTree.node().put("sig", seeds.build()).build());
    return full.prune(List.of(CanisterSignature.signaturePath(seed, payload)));
  }

  /** A root-signed certificate of {@code canister}'s certified data. */
  static Certificate certifying(Principal canister, byte[] certifiedData) {
    return sign(withTime().put("canister", LabeledTree.node().put(canister.toBytes(),
        LabeledTree.node().put("certified_data", LabeledTree.leaf(certifiedData)).build()).build()).build(),
        ROOT, Optional.empty());
  }

  static byte[] signature(Certificate certificate, HashTree tree) {
    return new CanisterSignature(certificate.encode(), tree).encode();
  }

  @Test
  void aWitnessIntoTheCertifiedSignatureTreeSignsThePayload() {
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(CANISTER, SEED);
    byte[] payload = Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, new byte[32]);
    HashTree tree = witness(SEED, payload);
    assertThat(tree.toString()).contains("Pruned");
    byte[] sig = signature(certifying(CANISTER, tree.digest()), tree);
    ours.verify(key, payload, sig);
    assertThat(CanisterSignature.decode(sig)).isEqualTo(new CanisterSignature(certifying(CANISTER, tree.digest()).encode(), tree));

    // The same witness does not sign another payload, nor for another seed, nor for another canister.
    assertThat(refusal(ours, key, Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, new byte[] {1}), sig).getMessage())
        .contains("did not sign this payload for this key's seed");
    assertThat(refusal(ours, CanisterSignaturePublicKey.of(CANISTER, "other user 0".getBytes(StandardCharsets.UTF_8)), payload, sig)
        .getMessage()).contains("(it is pruned away)").contains("did not sign this payload");
    Principal other = Principal.fromBytes(Hex.decode("00000000000000060101"));
    assertThat(refusal(ours, CanisterSignaturePublicKey.of(other, SEED), payload, sig).getMessage())
        .contains("does not reveal /canister/" + other + "/certified_data");
  }

  @Test
  void theLeafMustBeEmptyAndTheTreeWellFormed() {
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(CANISTER, SEED);
    byte[] payload = new byte[] {7};
    HashTree valued = HashTree.fromLabeledTree(LabeledTree.node().put("sig", LabeledTree.node()
        .put(Hashing.sha256(SEED), LabeledTree.node().put(Hashing.sha256(payload), LabeledTree.leaf("x")).build())
        .build()).build());
    assertThat(refusal(ours, key, payload, signature(certifying(CANISTER, valued.digest()), valued)).getMessage())
        .contains("an empty leaf").contains("the value 0x78");

    // Labels out of order: not well formed, whatever was certified.
    HashTree unordered = new HashTree.Fork(new HashTree.Labeled("sig", HashTree.EMPTY), new HashTree.Labeled("abc", HashTree.EMPTY));
    assertThat(refusal(ours, key, payload, signature(certifying(CANISTER, unordered.digest()), unordered)).reason())
        .isEqualTo(Reason.MALFORMED);
  }

  @Test
  void theCertificateMustVerifyAndRevealTheCertifiedData() {
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(CANISTER, SEED);
    byte[] payload = new byte[] {9};
    HashTree tree = witness(SEED, payload);
    Certificate good = certifying(CANISTER, tree.digest());
    Certificate badSignature = new Certificate(good.tree(), ROOT.sign(new byte[] {1}), Optional.empty());
    assertThat(refusal(ours, key, payload, signature(badSignature, tree)).getMessage()).contains("not valid under the root key");
    // Certified data pruned away: unknown, not a match.
    Certificate pruned = new Certificate(good.tree().prune(List.of(List.of(Label.of("time")))), good.signature(), Optional.empty());
    assertThat(refusal(ours, key, payload, signature(pruned, tree)).getMessage()).contains("(it is pruned away)");
    // Another value certified.
    Certificate stale = certifying(CANISTER, Hashing.sha256(new byte[] {1}));
    assertThat(refusal(ours, key, payload, signature(stale, tree)).getMessage()).contains("the tree is not the one the canister certified");
    // Not a certificate at all.
    assertThat(refusal(ours, key, payload, new CanisterSignature(new byte[] {1, 2}, tree).encode()).reason())
        .isEqualTo(Reason.MALFORMED);
    // Without a root key nothing can be checked.
    InvalidSignatureException e = catchThrowableOfType(InvalidSignatureException.class,
        () -> UserSignatureVerifier.WITHOUT_ROOT_KEY.verify(key, payload, signature(good, tree)));
    assertThat(e.reason()).isEqualTo(Reason.UNVERIFIABLE);
  }

  /** A delegation from the root to {@link CertificateVerifierTest#SUBNET} for canisters 0..15 of its range, with a subnet type. */
  static Certificate.Delegation delegation(Optional<String> type) {
    LabeledTree.Node.Builder subnet = LabeledTree.node().put("public_key", LabeledTree.leaf(SUBNET_KEY.publicKey().toDer()))
        .put("canister_ranges", LabeledTree.leaf(ranges("00000000000000000101", "000000000000000f0101")));
    type.ifPresent(t -> subnet.put("type", LabeledTree.leaf(t)));
    LabeledTree data = withTime().put("subnet", LabeledTree.node().put(SUBNET.toBytes(), subnet.build()).build()).build();
    return new Certificate.Delegation(SUBNET, sign(data, ROOT, Optional.empty()).encode());
  }

  @Test
  void aDelegatedCertificateNeedsTheCanisterInRangeAndASubnetTypeOtherThanCloudEngine() {
    byte[] payload = new byte[] {3};
    HashTree tree = witness(SEED, payload);
    LabeledTree data = withTime().put("canister", LabeledTree.node().put(CANISTER.toBytes(),
        LabeledTree.node().put("certified_data", LabeledTree.leaf(tree.digest())).build()).build()).build();
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(CANISTER, SEED);

    ours.verify(key, payload, signature(sign(data, SUBNET_KEY, Optional.of(delegation(Optional.of("application")))), tree));
    assertThat(refusal(ours, key, payload, signature(sign(data, SUBNET_KEY, Optional.of(delegation(Optional.of("cloud_engine")))), tree))
        .getMessage()).contains("cloud_engine");
    assertThat(refusal(ours, key, payload, signature(sign(data, SUBNET_KEY, Optional.of(delegation(Optional.empty()))), tree))
        .getMessage()).contains("/type");

    Principal outside = Principal.fromBytes(Hex.decode("00000000000000100101"));
    LabeledTree outsideData = withTime().put("canister", LabeledTree.node().put(outside.toBytes(),
        LabeledTree.node().put("certified_data", LabeledTree.leaf(tree.digest())).build()).build()).build();
    assertThat(refusal(ours, CanisterSignaturePublicKey.of(outside, SEED), payload,
        signature(sign(outsideData, SUBNET_KEY, Optional.of(delegation(Optional.of("application")))), tree)).getMessage())
        .contains("not in the canister ranges");
  }

  @Test
  void theSignatureIsATaggedMapWithinItsBounds() {
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(CANISTER, SEED);
    byte[] payload = new byte[] {4};
    HashTree tree = witness(SEED, payload);
    Certificate cert = certifying(CANISTER, tree.digest());
    byte[] untagged = CborEncoder.encode(CborMap.builder().put("certificate", cert.encode()).put("tree", tree.toCbor()).build());
    assertThat(refusal(ours, key, payload, untagged).getMessage()).contains("self-describe tag");
    byte[] noTree = CborEncoder.encodeWithSelfDescribeTag(CborMap.builder().put("certificate", cert.encode()).build());
    assertThat(refusal(ours, key, payload, noTree).getMessage()).contains("'tree'");
    byte[] huge = new CanisterSignature(new byte[CanisterSignature.MAX_ENCODED_BYTES], tree).encode();
    assertThat(refusal(ours, key, payload, huge).reason()).isEqualTo(Reason.MALFORMED);
    HashTree deep = HashTree.EMPTY;
    for (int i = 0; i < CanisterSignature.MAX_TREE_DEPTH + 1; i++) {
      deep = new HashTree.Labeled("d", deep);
    }
    assertThat(refusal(ours, key, payload, new CanisterSignature(cert.encode(), deep).encode()).getMessage()).contains("deeper");
  }

  // ---- keys

  @Test
  void theKeyIsTheCanisterIdWithItsLengthAndTheSeedUnderTheOid() {
    CanisterSignaturePublicKey key = CanisterSignaturePublicKey.of(CANISTER, SEED);
    byte[] der = key.toDer();
    byte[] expected = Der.sequence(Der.sequence(Der.oid("1.3.6.1.4.1.56387.1.2")),
        Der.bitString(Bytes.concat(Bytes.concat(new byte[] {10}, CANISTER.toBytes()), SEED)));
    assertThat(der).isEqualTo(expected);
    CanisterSignaturePublicKey parsed = (CanisterSignaturePublicKey) UserPublicKey.fromDer(der);
    assertThat(parsed).isEqualTo(key);
    assertThat(parsed.signingCanister()).isEqualTo(CANISTER);
    assertThat(parsed.seed()).isEqualTo(SEED);
    assertThat(CanisterSignaturePublicKey.of(CANISTER, new byte[0]).seed()).isEmpty();

    for (byte[] bits : new byte[][] {new byte[0], {30}, {11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}) {
      byte[] bad = Der.sequence(Der.sequence(Der.oid("1.3.6.1.4.1.56387.1.2")), Der.bitString(bits));
      InvalidPublicKeyException e = catchThrowableOfType(InvalidPublicKeyException.class, () -> UserPublicKey.fromDer(bad));
      assertThat(e.reason()).as(Hex.encode(bits)).isEqualTo(InvalidPublicKeyException.Reason.MALFORMED);
    }
  }
}
