package dev.canopy.crypto;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.canopy.crypto.InvalidSignatureException.Reason;
import dev.canopy.types.Hashing;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Base64;

/**
 * Verifies a signature by a {@link WebAuthnPublicKey} (spec "Web Authentication"): the browser's
 * assertion must be a {@code navigator.credentials.get()} ({@code type} {@code "webauthn.get"})
 * whose {@code challenge} is the base64url encoding, without padding, of the signed payload
 * (domain separator and message), and the authenticator's signature must verify over {@code
 * authenticator_data · SHA-256(client_data_json)} under the COSE key.
 *
 * <p>Note: the spec's own check is the challenge and the signature; the Internet Computer's
 * verifier also reads {@code type} only as a string. This one requires {@code "webauthn.get"}, as
 * W3C WebAuthn §7.2 tells relying parties to, so that a registration ({@code webauthn.create})
 * response can never stand in for an assertion. The challenge is compared as text with the one
 * encoding of the payload, so padding or other spellings of the same bytes are refused.
 *
 * <p>Note: the authenticator data is signed but not interpreted (beyond its length): the replica
 * knows no relying-party id to compare its hash with, and a signature counter would need state per
 * key. The spec asks for neither; a relying party that cares checks them when it registers keys.
 */
final class WebAuthnVerifier {
  static final String ASSERTION_TYPE = "webauthn.get";

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(16)
                  .maxStringLength(WebAuthnSignature.MAX_CLIENT_DATA_JSON_BYTES)
                  .maxNumberLength(64)
                  .maxNameLength(256)
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private WebAuthnVerifier() {}

  /** Throws an {@link InvalidSignatureException} unless {@code signatureCbor} signs {@code payload}. */
  static void verify(WebAuthnPublicKey key, byte[] payload, byte[] signatureCbor) {
    WebAuthnSignature signature = WebAuthnSignature.decode(signatureCbor);
    byte[] clientDataJson = signature.clientDataJson();
    ClientData clientData = parseClientData(clientDataJson);
    if (!ASSERTION_TYPE.equals(clientData.type())) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "client_data_json has type " + quote(clientData.type()) + "; a signature is an assertion,"
              + " type \"" + ASSERTION_TYPE + "\" (navigator.credentials.get)");
    }
    String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(payload);
    if (!expected.equals(clientData.challenge())) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "the challenge in client_data_json is " + quote(clientData.challenge()) + ", not the"
              + " base64url encoding of the signed payload, " + quote(expected)
              + ": the authenticator signed something else (another request or delegation?)");
    }
    byte[] signedData = Bytes.concat(signature.authenticatorData(), Hashing.sha256(clientDataJson));
    byte[] sig = signature.signature();
    CoseKey cose = key.coseKey();
    boolean valid;
    if (cose instanceof CoseKey.Es256 es256) {
      valid = es256.key().isValidSignature(signedData, ecdsaDerToRaw(sig));
    } else if (cose instanceof CoseKey.Rs256 rs256) {
      if (sig.length != rs256.key().signatureBytes()) {
        throw new InvalidSignatureException(Reason.MALFORMED,
            "the RSA signature has " + sig.length + " bytes; under this key it has "
                + rs256.key().signatureBytes());
      }
      valid = rs256.key().isValidSignature(signedData, sig);
    } else {
      Ed25519PublicKey ed25519 = ((CoseKey.EdDsa) cose).key();
      if (sig.length != Ed25519PublicKey.SIGNATURE_BYTES) {
        throw new InvalidSignatureException(Reason.MALFORMED,
            "the Ed25519 signature has " + sig.length + " bytes; it has "
                + Ed25519PublicKey.SIGNATURE_BYTES + " (R ‖ s)");
      }
      valid = ed25519.isValidSignature(signedData, sig);
    }
    if (!valid) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "the authenticator's " + cose.displayName() + " signature does not verify over"
              + " authenticator_data · SHA-256(client_data_json) under the WebAuthn key");
    }
  }

  /** The members of the client data that are checked; others are ignored (browsers add some). */
  record ClientData(String type, String challenge) {}

  static ClientData parseClientData(byte[] json) {
    String type = null;
    String challenge = null;
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw malformedJson("it is not a JSON object");
      }
      JsonToken token;
      while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("type") || name.equals("challenge")) {
          if (value != JsonToken.VALUE_STRING) {
            throw malformedJson("member \"" + name + "\" is not a string");
          }
          if (name.equals("type")) {
            type = p.getText();
          } else {
            challenge = p.getText();
          }
        } else {
          p.skipChildren();
        }
      }
      if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw malformedJson("it is not exactly one JSON object");
      }
    } catch (IOException e) {
      throw malformedJson(
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage(), e);
    }
    if (type == null || challenge == null) {
      throw malformedJson("it lacks the member \"" + (type == null ? "type" : "challenge") + "\"");
    }
    return new ClientData(type, challenge);
  }

  /**
   * A DER {@code SEQUENCE { INTEGER r, INTEGER s }} (W3C WebAuthn §6.5.5) as the 64 bytes {@code r ‖
   * s} that {@link EcdsaPublicKey} verifies.
   */
  static byte[] ecdsaDerToRaw(byte[] der) {
    try {
      Der.Reader top = Der.Reader.of(der);
      Der.Reader seq = top.enter(Der.SEQUENCE);
      top.expectEnd("the ECDSA signature");
      BigInteger r = seq.readPositiveInteger(EcdsaCurve.FIELD_BYTES);
      BigInteger s = seq.readPositiveInteger(EcdsaCurve.FIELD_BYTES);
      seq.expectEnd("the ECDSA signature's r and s");
      return Bytes.concat(
          Bytes.fixedBigEndian(r, EcdsaCurve.FIELD_BYTES), Bytes.fixedBigEndian(s, EcdsaCurve.FIELD_BYTES));
    } catch (Der.MalformedDerException e) {
      throw new InvalidSignatureException(Reason.MALFORMED,
          "a WebAuthn ECDSA signature is DER SEQUENCE { INTEGER r, INTEGER s }: " + e.getMessage());
    }
  }

  private static InvalidSignatureException malformedJson(String why) {
    return malformedJson(why, null);
  }

  private static InvalidSignatureException malformedJson(String why, Throwable cause) {
    return new InvalidSignatureException(Reason.MALFORMED, "client_data_json is not valid: " + why, cause);
  }

  private static String quote(String s) {
    String shown = s.length() <= 120 ? s : s.substring(0, 120) + "…";
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return out.append('"').toString();
  }
}
