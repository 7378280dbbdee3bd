import Store

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

    /// The context's fields in the order the platform documents them (and faults report them).
    public enum Field: Int, CaseIterable, Sendable {
        case serviceAgreementUUID, userSystemUUID, userUUID, serviceUUID
        case onBehalfOfUser, callersServiceCallIdentifier, accountingInfo

        /// The field's name, which is also its HTTP header's.
        public var name: String {
            switch self {
            case .serviceAgreementUUID: "ServiceAgreementUUID"
            case .userSystemUUID: "UserSystemUUID"
            case .userUUID: "UserUUID"
            case .serviceUUID: "ServiceUUID"
            case .onBehalfOfUser: "OnBehalfOfUser"
            case .callersServiceCallIdentifier: "CallersServiceCallIdentifier"
            case .accountingInfo: "AccountingInfo"
            }
        }

        public var isRequired: Bool { rawValue <= Field.serviceUUID.rawValue }
    }

    public static let requiredFields = Field.allCases.filter(\.isRequired).map(\.name)
    public static let optionalFields = Field.allCases.filter { !$0.isRequired }.map(\.name)
    public static let maximumOptionalLength = 255

    /// Reads the context from `header` (a lookup by field name, case-insensitive at the
    /// caller), reporting the first problem in the order the platform documents the fields.
    public static func parse(_ header: (String) -> String?) -> Result<InvocationContext, GatewayFault> {
        parse { (field: Field) in header(field.name) }
    }

    /// As `parse(_:)`, with the lookup by field: the gateway maps fields to its prepared
    /// header names without comparing strings.
    public static func parse(_ header: (Field) -> String?) -> Result<InvocationContext, GatewayFault> {
        var required: [String] = []
        var optional: [String?] = []
        for field in Field.allCases {
            let value = header(field)?.trimmingSpaces
            if field.isRequired {
                guard let value, !value.isEmpty else { return .failure(.missing(field.name)) }
                guard isLowercaseUUID(value) else {
                    return .failure(.malformed(field.name, "is not a lowercase UUID (8-4-4-4-12 hexadecimal digits, a-f in lowercase)"))
                }
                required.append(value)
            } else {
                if let value, value.count > maximumOptionalLength {
                    return .failure(.malformed(field.name, "is \(value.count) characters long; at most \(maximumOptionalLength) are allowed"))
                }
                optional.append(value.flatMap { $0.isEmpty ? nil : $0 })
            }
        }
        // `Field` lists the four required fields first, then the three optional ones.
        return .success(InvocationContext(
            serviceAgreementUUID: required[0], userSystemUUID: required[1], userUUID: required[2], serviceUUID: required[3],
            onBehalfOfUser: optional[0], callersServiceCallIdentifier: optional[1], accountingInfo: optional[2]))
    }
}

extension String {
    /// Without leading and trailing spaces and tabs; the string itself (no copy) when it has none.
    var trimmingSpaces: String {
        if let f = utf8.first, let l = utf8.last, f != 0x20, f != 0x09, l != 0x20, l != 0x09 { return self }
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(self[first...last])
    }
}
