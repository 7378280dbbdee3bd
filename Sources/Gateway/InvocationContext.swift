/// The platform's invocation context, sent by the caller as HTTP headers named exactly as
/// the platform names the fields (header names are case-insensitive):
///
/// | header | required | meaning |
/// |---|---|---|
/// | `ServiceAgreementUUID` | yes | the service agreement the call is made under |
/// | `UserSystemUUID` | yes | the calling system (must own the client certificate) |
/// | `UserUUID` | yes | the municipality the call is made for |
/// | `ServiceUUID` | yes | the service called |
/// | `OnBehalfOfUser` | no, ≤ 255 characters | the person the call is made for |
/// | `CallersServiceCallIdentifier` | no, ≤ 255 characters | the caller's transaction id |
/// | `AccountingInfo` | no, ≤ 255 characters | billing sort key |
///
/// UUIDs are lowercase (`[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`).
public struct InvocationContext: Sendable, Equatable {
    public var serviceAgreementUUID: String
    public var userSystemUUID: String
    public var userUUID: String
    public var serviceUUID: String
    public var onBehalfOfUser: String?
    public var callersServiceCallIdentifier: String?
    public var accountingInfo: String?

    public static let requiredFields = ["ServiceAgreementUUID", "UserSystemUUID", "UserUUID", "ServiceUUID"]
    public static let optionalFields = ["OnBehalfOfUser", "CallersServiceCallIdentifier", "AccountingInfo"]
    public static let maximumOptionalLength = 255

    /// Reads the context from `header` (a lookup by field name, case-insensitive at the
    /// caller), reporting the first problem in the order the platform documents the fields.
    public static func parse(_ header: (String) -> String?) -> Result<InvocationContext, GatewayFault> {
        var uuids: [String] = []
        for name in requiredFields {
            guard let raw = header(name) else { return .failure(.missing(name)) }
            let value = raw.trimmingSpaces
            if value.isEmpty { return .failure(.missing(name)) }
            guard isLowercaseUUID(value) else {
                return .failure(.malformed(name, "is not a lowercase UUID (8-4-4-4-12 hexadecimal digits, a-f in lowercase)"))
            }
            uuids.append(value)
        }
        var optional: [String?] = []
        for name in optionalFields {
            guard let raw = header(name) else { optional.append(nil); continue }
            let value = raw.trimmingSpaces
            if value.count > maximumOptionalLength {
                return .failure(.malformed(name, "is \(value.count) characters long; at most \(maximumOptionalLength) are allowed"))
            }
            optional.append(value.isEmpty ? nil : value)
        }
        return .success(InvocationContext(
            serviceAgreementUUID: uuids[0], userSystemUUID: uuids[1], userUUID: uuids[2], serviceUUID: uuids[3],
            onBehalfOfUser: optional[0], callersServiceCallIdentifier: optional[1], accountingInfo: optional[2]))
    }
}

/// Byte-wise, without regular expressions: this runs four times on every call.
func isLowercaseUUID(_ s: String) -> Bool {
    var count = 0
    for (i, b) in s.utf8.enumerated() {
        count += 1
        if i == 8 || i == 13 || i == 18 || i == 23 {
            if b != UInt8(ascii: "-") { return false }
        } else if !((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66)) {
            return false
        }
    }
    return count == 36
}

extension String {
    var trimmingSpaces: String {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(self[first...last])
    }
}
