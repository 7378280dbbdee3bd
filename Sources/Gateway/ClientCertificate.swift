import Crypto
import Foundation
import X509

/// A calling system's client certificate read from PEM, as an `ssl-certificate` change
/// order carries it: the identity the gateway will see in the TLS handshake (worked out
/// exactly as for a connection, so what is registered is what is matched), its serial and
/// validity, and whether a CA signed it. Pure: parsing and signature checks, no I/O.
public struct ClientCertificate: Sendable {
    public let identity: CallerIdentity
    /// The serial number in hexadecimal, colon-separated as openssl prints it.
    public let serial: String
    public let notValidBefore: Date
    public let notValidAfter: Date
    let certificate: Certificate

    /// Reads one PEM certificate. Throws a `ClientCertificateError` that says what is wrong
    /// with the text: not PEM, a private key in it (the order carries the public part only),
    /// or more than one certificate.
    public init(pem text: String) throws(ClientCertificateError) {
        if text.contains("PRIVATE KEY-----") {
            throw ClientCertificateError("the text holds a private key; an order carries the public certificate only (-----BEGIN CERTIFICATE-----): remove the key and keep it with the calling system")
        }
        let blocks = Self.pemBlocks(text)
        guard blocks.count == 1, let der = blocks.first else {
            throw ClientCertificateError(blocks.isEmpty
                ? "the text is not a PEM certificate: it has no -----BEGIN CERTIFICATE----- block"
                : "the text holds \(blocks.count) certificates; give the system's own client certificate alone, without its chain")
        }
        guard let der else {
            throw ClientCertificateError("the PEM certificate's base64 text is damaged; export it again with `openssl x509 -in CERT -outform PEM`")
        }
        let parsed: Certificate
        do { parsed = try Certificate(derEncoded: der) } catch {
            throw ClientCertificateError("the PEM certificate cannot be read (\(error)); export it again with `openssl x509 -in CERT -outform PEM`")
        }
        certificate = parsed
        identity = CallerIdentity(der: der, subject: parsed.subject.description)
        serial = parsed.serialNumber.bytes.map { String(format: "%02x", $0) }.joined(separator: ":")
        notValidBefore = parsed.notValidBefore
        notValidAfter = parsed.notValidAfter
    }

    /// The issuer's distinguished name, for messages.
    public var issuer: String { certificate.issuer.description }

    /// Why the certificate cannot be used at `date`, or nil when it can.
    public func validityProblem(at date: Date) -> String? {
        if date < notValidBefore {
            return "the certificate is not valid yet at \(date.formatted(.iso8601)): its validity starts \(notValidBefore.formatted(.iso8601)); ask for a later time or use a certificate already valid then"
        }
        if date >= notValidAfter {
            return "the certificate has expired at \(date.formatted(.iso8601)) (valid until \(notValidAfter.formatted(.iso8601))); have a new one issued"
        }
        return nil
    }

    /// Whether one of the CA file's certificates issued and signed this certificate: the
    /// gateway's TLS handshake refuses a client certificate it did not.
    public func isSigned(by authorities: ClientAuthorities) -> Bool {
        authorities.certificates.contains { ca in
            ca.subject == certificate.issuer && ca.publicKey.isValidSignature(certificate.signature, for: certificate)
        }
    }

    /// The DER bytes of each `CERTIFICATE` block in PEM text (nil for a block whose base64
    /// does not decode); other blocks and text between them are skipped, as openssl does.
    static func pemBlocks(_ text: String) -> [[UInt8]?] {
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        var blocks: [[UInt8]?] = []
        var rest = text[...]
        while let start = rest.range(of: begin) {
            guard let stop = rest[start.upperBound...].range(of: end) else {
                blocks.append(nil)
                break
            }
            let base64 = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            blocks.append(Data(base64Encoded: String(base64)).map { [UInt8]($0) })
            rest = rest[stop.upperBound...]
        }
        return blocks
    }
}

/// The certificates of the gateway's client CA file (`gateway.tls.client_ca`).
public struct ClientAuthorities: Sendable {
    let certificates: [Certificate]

    /// Reads the CA file's PEM text; throws when it holds no certificate or one is unreadable.
    public init(pem text: String) throws(ClientCertificateError) {
        var out: [Certificate] = []
        for block in ClientCertificate.pemBlocks(text) {
            guard let der = block else { throw ClientCertificateError("a certificate's base64 text in it is damaged") }
            do { out.append(try Certificate(derEncoded: der)) } catch {
                throw ClientCertificateError("a certificate in it cannot be read (\(error))")
            }
        }
        guard !out.isEmpty else { throw ClientCertificateError("it holds no PEM certificate") }
        certificates = out
    }
}

/// What is wrong with a certificate's text, in words for the operator.
public struct ClientCertificateError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension CallerIdentity {
    /// The identity of a DER certificate with the given subject text: its SHA-256
    /// fingerprint as the gateway compares fingerprints.
    init(der: [UInt8], subject: String) {
        let digest = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        self.init(subject: subject, fingerprint: "sha256:" + digest)
    }
}
