package dev.canopy.crypto;

import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;

/** The two ECDSA curves the IC accepts for user keys (spec "Ed25519 and ECDSA signatures"). */
public enum EcdsaCurve {
  P256("P-256", "secp256r1", "1.2.840.10045.3.1.7", SignatureAlgorithm.ECDSA_P256),
  SECP256K1("secp256k1", "secp256k1", "1.3.132.0.10", SignatureAlgorithm.ECDSA_SECP256K1);

  /** id-ecPublicKey (RFC 5480): the algorithm OID of both curves' DER keys. */
  static final String EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1";
  public static final int FIELD_BYTES = 32;
  /** {@code 04 ‖ x ‖ y}. */
  public static final int UNCOMPRESSED_POINT_BYTES = 65;

  private final String displayName;
  private final String oid;
  private final SignatureAlgorithm algorithm;
  private final ECDomainParameters domain;
  private final BigInteger halfOrder;

  EcdsaCurve(String displayName, String bouncyCastleName, String oid, SignatureAlgorithm algorithm) {
    this.displayName = displayName;
    this.oid = oid;
    this.algorithm = algorithm;
    // BouncyCastle's custom curve implementations are several times faster than the generic ones.
    X9ECParameters params = CustomNamedCurves.getByName(bouncyCastleName);
    this.domain = new ECDomainParameters(params);
    this.halfOrder = domain.getN().shiftRight(1);
  }

  public String displayName() {
    return displayName;
  }

  /** The named-curve OID carried in the key's AlgorithmIdentifier parameters. */
  public String oid() {
    return oid;
  }

  public SignatureAlgorithm algorithm() {
    return algorithm;
  }

  ECDomainParameters domain() {
    return domain;
  }

  BigInteger order() {
    return domain.getN();
  }

  BigInteger halfOrder() {
    return halfOrder;
  }

  static EcdsaCurve byOid(String oid) {
    for (EcdsaCurve c : values()) {
      if (c.oid.equals(oid)) {
        return c;
      }
    }
    return null;
  }
}
