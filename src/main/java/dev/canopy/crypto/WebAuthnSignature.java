package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a WebAuthn key's signature carries (spec "Web Authentication"): CBOR {@code
 * #6.55799({authenticator_data: blob, client_data_json: text, signature: blob})}, the pieces of a
 * browser's assertion. This is only the data; {@link UserSignatureVerifier} judges it.
 *
 * <p>Note: {@code client_data_json} may also be a byte string, and the self-describe tag may be
 * missing: the Internet Computer's own verifier accepts both (its published YubiKey test vector
 * has the JSON as a byte string). Either way the JSON's bytes are what is hashed.
 *
 * @param authenticatorData the authenticator data: RP id hash (32 bytes), flags (1), signature
 *     counter (4), and any extensions
 * @param clientDataJson the client data JSON's bytes (UTF-8)
 * @param signature the authenticator's signature: DER for ECDSA, {@code R ‖ s} for Ed25519, the
 *     RSA signature block for RSA
 */
public record WebAuthnSignature(byte[] authenticatorData, byte[] clientDataJson, byte[] signature) {
  public static final int MAX_ENCODED_BYTES = 16 * 1024;
  /** RP id hash, flags and signature counter (W3C WebAuthn §6.1). */
  public static final int MIN_AUTHENTICATOR_DATA_BYTES = 37;
  public static final int MAX_AUTHENTICATOR_DATA_BYTES = 4 * 1024;
  /** Browsers write a few hundred bytes; this leaves room for long origins and extra members. */
  public static final int MAX_CLIENT_DATA_JSON_BYTES = 4 * 1024;
  /** An RSA signature under the largest accepted modulus (8192 bits). */
  public static final int MAX_SIGNATURE_BYTES = RsaPkcs1PublicKey.MAX_MODULUS_BITS / 8;

  private static final CborDecoder DECODER =
      CborDecoder.builder().limits(new CborLimits(MAX_ENCODED_BYTES, 4, 64)).build();

  public WebAuthnSignature {
    authenticatorData = Objects.requireNonNull(authenticatorData, "authenticatorData").clone();
    clientDataJson = Objects.requireNonNull(clientDataJson, "clientDataJson").clone();
    signature = Objects.requireNonNull(signature, "signature").clone();
  }

  /**
   * Decodes a WebAuthn signature; one that is not the CBOR map above, or whose fields exceed the
   * bounds of this class, is an {@link InvalidSignatureException} (MALFORMED).
   */
  public static WebAuthnSignature decode(byte[] cbor) {
    CborMap map;
    byte[] authenticatorData;
    byte[] clientDataJson;
    byte[] signature;
    try {
      map = DECODER.decodeMap(cbor, "WebAuthn signature");
      authenticatorData = map.getBytes("authenticator_data");
      CborValue json = map.require("client_data_json");
      clientDataJson = json instanceof CborValue.ByteString b
          ? b.bytes()
          : json.asText("client_data_json").getBytes(StandardCharsets.UTF_8);
      signature = map.getBytes("signature");
    } catch (InvalidInputException e) {
      throw malformed("a WebAuthn signature is CBOR {authenticator_data: blob, client_data_json:"
          + " text, signature: blob}: " + e.getMessage(), e);
    }
    if (authenticatorData.length < MIN_AUTHENTICATOR_DATA_BYTES
        || authenticatorData.length > MAX_AUTHENTICATOR_DATA_BYTES) {
      throw malformed("authenticator_data has " + authenticatorData.length + " bytes; it has "
          + MIN_AUTHENTICATOR_DATA_BYTES + " to " + MAX_AUTHENTICATOR_DATA_BYTES, null);
    }
    if (clientDataJson.length > MAX_CLIENT_DATA_JSON_BYTES) {
      throw malformed("client_data_json has " + clientDataJson.length + " bytes; at most "
          + MAX_CLIENT_DATA_JSON_BYTES + " are accepted", null);
    }
    if (signature.length == 0 || signature.length > MAX_SIGNATURE_BYTES) {
      throw malformed("the authenticator's signature has " + signature.length + " bytes; it has 1 to "
          + MAX_SIGNATURE_BYTES, null);
    }
    return new WebAuthnSignature(authenticatorData, clientDataJson, signature);
  }

  private static InvalidSignatureException malformed(String message, Throwable cause) {
    return new InvalidSignatureException(InvalidSignatureException.Reason.MALFORMED, message, cause);
  }

  /**
   * The spec's encoding, with the self-describe tag; {@code client_data_json} as text (as a byte
   * string only if it is not UTF-8, so that it round-trips).
   */
  public byte[] encode() {
    CborValue json;
    try {
      json = CborValue.text(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(clientDataJson)).toString());
    } catch (CharacterCodingException e) {
      json = CborValue.bytes(clientDataJson);
    }
    return CborEncoder.encodeWithSelfDescribeTag(CborMap.builder()
        .put("authenticator_data", authenticatorData)
        .put("client_data_json", json)
        .put("signature", signature)
        .build());
  }

  @Override
  public byte[] authenticatorData() {
    return authenticatorData.clone();
  }

  @Override
  public byte[] clientDataJson() {
    return clientDataJson.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WebAuthnSignature w
        && Arrays.equals(authenticatorData, w.authenticatorData)
        && Arrays.equals(clientDataJson, w.clientDataJson)
        && Arrays.equals(signature, w.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(authenticatorData), Arrays.hashCode(clientDataJson),
        Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return "WebAuthnSignature[authenticator_data " + authenticatorData.length + " bytes, client_data_json "
        + clientDataJson.length + " bytes, signature " + signature.length + " bytes]";
  }
}
