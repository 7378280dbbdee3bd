import Crypto
import Foundation
import X509

/// Client certificates for tests, made in-process with a validity the test chooses: a
/// certificate made by openssl starts at the machine's real time, which a test on a manual
/// clock set in the past would see as not yet valid. Keys are P-256; never use them
/// outside tests.
public enum TestCertificates {
    /// A certificate and its private key, both PEM.
    public struct Issued: Sendable {
        public var certificatePEM: String
        public var privateKeyPEM: String
    }

    /// A self-signed CA.
    public static func authority(commonName: String, notBefore: Date, notAfter: Date) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true)
            },
            issuerPrivateKey: .init(key))
        return Issued(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
    }

    /// A client certificate (`O=organisation, CN=commonName`) signed by the CA given as PEM
    /// (an openssl-made one too: its key as `BEGIN PRIVATE KEY` or `BEGIN EC PRIVATE KEY`).
    public static func client(commonName: String, organisation: String, notBefore: Date, notAfter: Date,
                              caCertificatePEM: String, caKeyPEM: String) throws -> Issued {
        let ca = try Certificate(pemEncoded: caCertificatePEM)
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: caKeyPEM)
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName(organisation)
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: ca.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(caKey))
        return Issued(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
    }
}
