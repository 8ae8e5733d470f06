package dev.canopy.crypto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Private keys in the PEM files dfx keeps identities in, so identities can be imported.
 *
 * <p>Reads:
 * <ul>
 *   <li>{@code PRIVATE KEY}: PKCS#8 / RFC 5958 with an Ed25519 key (RFC 8410; version 0, or 1 with
 *       the public key as dfx writes it) or an EC key on P-256 or secp256k1;
 *   <li>{@code EC PRIVATE KEY}: SEC1 (RFC 5915) on P-256 or secp256k1, optionally preceded by an
 *       {@code EC PARAMETERS} block as {@code openssl ecparam -genkey} writes it.
 * </ul>
 * Writes Ed25519 as PKCS#8 version 1 with the public key and ECDSA as SEC1 with curve and public
 * key, the forms dfx writes. Error messages name the structure at fault, never key bytes.
 */
public final class PrivateKeyPem {
  public static final int MAX_PEM_CHARS = 16 * 1024;
  static final String PKCS8_LABEL = "PRIVATE KEY";
  static final String SEC1_LABEL = "EC PRIVATE KEY";
  private static final String EC_PARAMETERS_LABEL = "EC PARAMETERS";
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", Pattern.DOTALL);

  private PrivateKeyPem() {}

  public static SigningKey read(String pem) {
    if (pem.length() > MAX_PEM_CHARS) {
      throw new InvalidPrivateKeyException(
          "a PEM private key file has at most " + MAX_PEM_CHARS + " characters, got " + pem.length());
    }
    Matcher m = BLOCK.matcher(pem);
    List<String[]> keyBlocks = new ArrayList<>();
    while (m.find()) {
      String label = m.group(1);
      if (!label.equals(m.group(3))) {
        throw new InvalidPrivateKeyException(
            "PEM block \"BEGIN " + label + "\" ends with \"END " + m.group(3) + "\"");
      }
      if (label.equals(EC_PARAMETERS_LABEL)) {
        continue; // the curve is repeated inside the key itself
      }
      keyBlocks.add(new String[] {label, m.group(2)});
    }
    if (keyBlocks.isEmpty()) {
      throw new InvalidPrivateKeyException(
          "no PEM private key found; expected a \"-----BEGIN PRIVATE KEY-----\" or"
              + " \"-----BEGIN EC PRIVATE KEY-----\" block");
    }
    if (keyBlocks.size() > 1) {
      throw new InvalidPrivateKeyException(
          "the PEM text holds " + keyBlocks.size() + " key blocks; expected exactly one");
    }
    String label = keyBlocks.get(0)[0];
    byte[] der = decodeBase64(label, keyBlocks.get(0)[1]);
    try {
      return switch (label) {
        case PKCS8_LABEL -> readPkcs8(der);
        case SEC1_LABEL -> readSec1(Der.Reader.of(der), null);
        case "ENCRYPTED PRIVATE KEY" -> throw new InvalidPrivateKeyException(
            "encrypted PEM keys are not supported; export the identity unencrypted"
                + " (dfx identity export)");
        default -> throw new InvalidPrivateKeyException(
            "unsupported PEM block \"" + label + "\"; expected \"PRIVATE KEY\" (PKCS#8) or"
                + " \"EC PRIVATE KEY\" (SEC1)");
      };
    } catch (Der.MalformedDerException e) {
      throw new InvalidPrivateKeyException(
          "the \"" + label + "\" block is not valid DER: " + e.getMessage());
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  public static String write(SigningKey key) {
    if (key instanceof Ed25519SigningKey ed) {
      return pem(PKCS8_LABEL, ed25519Pkcs8(ed));
    }
    EcdsaSigningKey ec = (EcdsaSigningKey) key;
    return pem(SEC1_LABEL, sec1(ec));
  }

  private static byte[] ed25519Pkcs8(Ed25519SigningKey key) {
    // Note: the public key as [1] around a BIT STRING is how dfx (via ring) writes it; RFC 5958's
    // IMPLICIT form 0x81 is read as well.
    return Der.sequence(
        Der.smallInteger(1),
        Der.sequence(Der.oid(Ed25519PublicKey.OID)),
        Der.octetString(Der.octetString(key.seed())),
        Der.explicit(1, Der.bitString(key.publicKey().rawBytes())));
  }

  private static byte[] sec1(EcdsaSigningKey key) {
    return Der.sequence(
        Der.smallInteger(1),
        Der.octetString(key.privateScalar()),
        Der.explicit(0, Der.oid(key.curve().oid())),
        Der.explicit(1, Der.bitString(key.publicKey().rawBytes())));
  }

  private static SigningKey readPkcs8(byte[] der) throws Der.MalformedDerException {
    Der.Reader top = Der.Reader.of(der);
    Der.Reader info = top.enter(Der.SEQUENCE);
    top.expectEnd("the PKCS#8 structure");
    int version = info.readSmallInt();
    if (version > 1) {
      throw new InvalidPrivateKeyException("PKCS#8 version " + version + " is not supported (0 or 1)");
    }
    Der.Reader algorithm = info.enter(Der.SEQUENCE);
    String oid = algorithm.readOid();
    byte[] privateKey = info.read(Der.OCTET_STRING);
    if (oid.equals(Ed25519PublicKey.OID)) {
      if (algorithm.hasMore()) {
        throw new InvalidPrivateKeyException("an Ed25519 PKCS#8 key must have no algorithm parameters");
      }
      Der.Reader inner = Der.Reader.of(privateKey);
      byte[] seed = inner.read(Der.OCTET_STRING);
      inner.expectEnd("the Ed25519 private key");
      Ed25519SigningKey key = Ed25519SigningKey.fromSeed(seed);
      Arrays.fill(seed, (byte) 0);
      if (info.hasMore() && (info.peekTag() == 0xa0 || info.peekTag() == 0x80)) {
        info.readRaw(); // attributes: nothing we use
      }
      if (info.hasMore()) {
        byte[] publicKey = readPkcs8PublicKey(info);
        if (!Arrays.equals(publicKey, key.publicKey().rawBytes())) {
          throw new InvalidPrivateKeyException(
              "the public key stored in the PKCS#8 file does not belong to its private key");
        }
      }
      info.expectEnd("the PKCS#8 structure");
      return key;
    }
    if (oid.equals(EcdsaCurve.EC_PUBLIC_KEY_OID)) {
      EcdsaCurve curve = curveOf(algorithm.readOid());
      algorithm.expectEnd("the EC algorithm identifier");
      return readSec1(Der.Reader.of(privateKey), curve);
    }
    throw new InvalidPrivateKeyException(
        "PKCS#8 keys with algorithm OID " + oid + " are not supported; supported are Ed25519 ("
            + Ed25519PublicKey.OID + ") and EC (" + EcdsaCurve.EC_PUBLIC_KEY_OID
            + ") on P-256 or secp256k1");
  }

  private static byte[] readPkcs8PublicKey(Der.Reader info) throws Der.MalformedDerException {
    int tag = info.peekTag();
    if (tag == 0xa1) { // [1] wrapping a BIT STRING, as dfx writes it
      Der.Reader wrapped = info.enter(0xa1);
      byte[] bits = wrapped.readBitStringBytes();
      wrapped.expectEnd("the PKCS#8 public key");
      return bits;
    }
    if (tag == 0x81) { // [1] IMPLICIT BIT STRING, as RFC 5958 specifies it
      byte[] contents = info.read(0x81);
      if (contents.length == 0 || contents[0] != 0) {
        throw new InvalidPrivateKeyException("the PKCS#8 public key BIT STRING has unused bits");
      }
      return Arrays.copyOfRange(contents, 1, contents.length);
    }
    throw new InvalidPrivateKeyException(String.format("unexpected tag 0x%02x in the PKCS#8 key", tag));
  }

  /** SEC1 ECPrivateKey; {@code outerCurve} is the curve named by an enclosing PKCS#8, if any. */
  private static SigningKey readSec1(Der.Reader top, EcdsaCurve outerCurve) throws Der.MalformedDerException {
    Der.Reader key = top.enter(Der.SEQUENCE);
    top.expectEnd("the EC private key");
    int version = key.readSmallInt();
    if (version != 1) {
      throw new InvalidPrivateKeyException("an EC private key must have version 1, got " + version);
    }
    byte[] scalar = key.read(Der.OCTET_STRING);
    EcdsaCurve curve = outerCurve;
    if (key.hasMore() && key.peekTag() == 0xa0) {
      Der.Reader parameters = key.enter(0xa0);
      if (!parameters.hasMore() || parameters.peekTag() != Der.OID) {
        throw new InvalidPrivateKeyException("the EC private key must name its curve by OID");
      }
      EcdsaCurve named = curveOf(parameters.readOid());
      parameters.expectEnd("the EC parameters");
      if (curve != null && curve != named) {
        throw new InvalidPrivateKeyException(
            "the PKCS#8 wrapper names curve " + curve.displayName() + " but the key names "
                + named.displayName());
      }
      curve = named;
    }
    if (curve == null) {
      throw new InvalidPrivateKeyException("the EC private key does not say which curve it is on");
    }
    EcdsaSigningKey signingKey;
    try {
      signingKey = EcdsaSigningKey.fromPrivateScalar(curve, scalar);
    } finally {
      Arrays.fill(scalar, (byte) 0);
    }
    if (key.hasMore() && key.peekTag() == 0xa1) {
      Der.Reader wrapped = key.enter(0xa1);
      byte[] point = wrapped.readBitStringBytes();
      wrapped.expectEnd("the EC public key");
      if (!Arrays.equals(point, signingKey.publicKey().rawBytes())) {
        // A compressed public key is also acceptable if it is the same point.
        boolean samePoint;
        try {
          samePoint = curve.domain().getCurve().decodePoint(point).equals(signingKey.publicKey().point());
        } catch (IllegalArgumentException e) {
          samePoint = false;
        }
        if (!samePoint) {
          throw new InvalidPrivateKeyException(
              "the public key stored in the EC private key does not belong to it");
        }
      }
    }
    key.expectEnd("the EC private key");
    return signingKey;
  }

  private static EcdsaCurve curveOf(String oid) {
    EcdsaCurve curve = EcdsaCurve.byOid(oid);
    if (curve == null) {
      throw new InvalidPrivateKeyException(
          "EC keys on curve OID " + oid + " are not supported; supported are P-256 ("
              + EcdsaCurve.P256.oid() + ") and secp256k1 (" + EcdsaCurve.SECP256K1.oid() + ")");
    }
    return curve;
  }

  private static byte[] decodeBase64(String label, String body) {
    try {
      return Base64.getMimeDecoder().decode(body.strip());
    } catch (IllegalArgumentException e) {
      throw new InvalidPrivateKeyException("the \"" + label + "\" PEM block is not valid base64");
    }
  }

  private static String pem(String label, byte[] der) {
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    Arrays.fill(der, (byte) 0);
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }
}
