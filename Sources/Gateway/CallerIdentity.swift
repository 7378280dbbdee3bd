/// What the client certificate says about the caller: its subject and its fingerprint.
/// Nil on plain HTTP, where no certificate is asked for.
public struct CallerIdentity: Sendable, Hashable {
    /// RFC 4514 text of the certificate's subject, e.g. `CN=sag-kbh,O=Kommune`.
    public var subject: String
    /// `sha256:` and 64 lowercase hexadecimal digits of the DER certificate.
    public var fingerprint: String
    /// The subject's parts as `DistinguishedName` compares them, worked out once here
    /// rather than on every call that is authorised with this identity.
    let normalisedSubject: [String]

    public init(subject: String, fingerprint: String) {
        self.subject = subject
        self.fingerprint = fingerprint
        normalisedSubject = DistinguishedName.normalised(subject)
    }

    /// For the audit log when no system claims the certificate.
    public var auditText: String { "\(subject) \(fingerprint)" }
}

/// Compares distinguished names as sets of `TYPE=value` parts, types case-insensitive,
/// so `O=Kommune,CN=sag` and `CN=sag, O=Kommune` match: tools print subjects in opposite
/// orders (openssl oldest-first, RFC 4514 newest-first) and operators copy from either.
enum DistinguishedName {
    static func normalised(_ dn: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for ch in dn {
            if escaped { current.append(ch); escaped = false; continue }
            if ch == "\\" { current.append(ch); escaped = true; continue }
            if ch == "," || ch == "/" || ch == "+" {
                parts.append(current); current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        return parts.compactMap { part -> String? in
            let trimmed = part.trimmingSpaces
            guard !trimmed.isEmpty else { return nil }
            guard let eq = trimmed.firstIndex(of: "=") else { return trimmed }
            let type = String(trimmed[..<eq]).trimmingSpaces.uppercased()
            let value = String(trimmed[trimmed.index(after: eq)...]).trimmingSpaces
            return "\(type)=\(value)"
        }.sorted()
    }

    static func equal(_ a: String, _ b: String) -> Bool { normalised(a) == normalised(b) }
}
