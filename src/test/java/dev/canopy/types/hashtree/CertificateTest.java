package dev.canopy.types.hashtree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborFieldException;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CertificateTest {
  private static final byte[] SIGNATURE = Hex.decode("ab".repeat(48));

  @Test
  void encodesAsTaggedMapWithTreeSignatureAndDelegationInCanonicalOrder() {
    Certificate inner =
        new Certificate(HashTreeSpecExampleTest.exampleTree(), SIGNATURE, Optional.empty());
    SubnetId subnet = new SubnetId(Principal.selfAuthenticating(Hex.decode("30" + "99".repeat(20))));
    Certificate outer =
        new Certificate(
            HashTree.EMPTY,
            SIGNATURE,
            Optional.of(new Certificate.Delegation(subnet, inner.encode())));
    byte[] bytes = outer.encode();
    // 55799 tag, a map of three entries, "tree" first (shortest key), then "signature".
    assertThat(Hex.encode(bytes)).startsWith("d9d9f7a3" + "6474726565" + "8100" + "697369676e6174757265");
    Certificate decoded = Certificate.decode(bytes);
    assertThat(decoded).isEqualTo(outer);
    assertThat(decoded.delegation().orElseThrow().subnetId()).isEqualTo(subnet);
    assertThat(decoded.delegation().orElseThrow().decodeCertificate()).isEqualTo(inner);
    assertThat(decoded.delegation().orElseThrow().decodeCertificate().lookup("a", "x"))
        .isEqualTo(new LookupResult.Found("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(Certificate.decode(inner.encode()).tree().digest())
        .isEqualTo(Hex.decode(HashTreeSpecExampleTest.EXAMPLE_ROOT_HASH));
  }

  @Test
  void theSelfDescribeTagIsOptional() {
    Certificate c = new Certificate(HashTree.EMPTY, SIGNATURE, Optional.empty());
    assertThat(Certificate.decode(CborEncoder.encode(c.toCbor()))).isEqualTo(c);
  }

  @Test
  void missingOrMistypedFieldsAreNamed() {
    byte[] noSignature =
        CborEncoder.encode(CborMap.builder().put("tree", HashTree.EMPTY.toCbor()).build());
    assertThatThrownBy(() -> Certificate.decode(noSignature))
        .isInstanceOfSatisfying(
            CborFieldException.class, e -> assertThat(e.field()).isEqualTo("signature"));
    byte[] textSubnet =
        CborEncoder.encode(
            CborMap.builder()
                .put("tree", HashTree.EMPTY.toCbor())
                .put("signature", SIGNATURE)
                .put(
                    "delegation",
                    CborMap.builder().put("subnet_id", "x").put("certificate", new byte[0]).build())
                .build());
    assertThatThrownBy(() -> Certificate.decode(textSubnet))
        .isInstanceOfSatisfying(
            CborFieldException.class, e -> assertThat(e.field()).isEqualTo("subnet_id"));
    byte[] badTree =
        CborEncoder.encode(
            CborMap.builder()
                .put("tree", CborArray.of(CborValue.unsigned(9)))
                .put("signature", SIGNATURE)
                .build());
    assertThatThrownBy(() -> Certificate.decode(badTree))
        .isInstanceOf(HashTreeFormatException.class);
    assertThatThrownBy(() -> Certificate.decode(Hex.decode("80")))
        .isInstanceOf(CborFieldException.class)
        .hasMessageContaining("certificate");
  }

  @Test
  void decodingRespectsTheGivenLimits() {
    Certificate c = new Certificate(HashTreeSpecExampleTest.exampleTree(), SIGNATURE, Optional.empty());
    CborDecoder tiny =
        CborDecoder.builder()
            .limits(dev.canopy.types.cbor.CborLimits.DEFAULT.withMaxSizeBytes(16))
            .build();
    assertThatThrownBy(() -> Certificate.decode(c.encode(), tiny))
        .isInstanceOf(dev.canopy.types.cbor.CborDecodeException.class);
  }
}
