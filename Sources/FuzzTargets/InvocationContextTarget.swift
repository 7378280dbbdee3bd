import Gateway
import Store

/// The invocation context, from header lines `Name: value` as a caller sends them (names
/// case-insensitive, a repeated header joined with ", " as the gateway joins it).
///
/// An accepted context holds four lowercase UUIDs and optional fields of at most 255
/// characters without surrounding blanks, and reading it again gives the same context; a
/// refused one is a 400 naming one of the context's fields.
enum InvocationContextTarget {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        func fail(_ property: String) -> FuzzFailure { FuzzFailure(.invocationContext, property) }
        var values: [String: String] = [:]
        for line in FuzzInput.fields(Array(input.prefix(8192)), separator: UInt8(ascii: "\n")) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...])
            values[name] = values[name].map { $0 + ", " + value } ?? value
        }
        let byName = InvocationContext.parse { (name: String) in values[name.lowercased()] }
        let byField = InvocationContext.parse { (field: InvocationContext.Field) in values[field.name.lowercased()] }
        guard byName == byField else { throw fail("the lookups by name and by field disagree") }
        let context: InvocationContext
        switch byName {
        case .failure(let fault):
            guard fault.status == 400, let field = fault.field,
                  InvocationContext.Field.allCases.contains(where: { $0.name == field }), !fault.message.isEmpty
            else { throw fail("a refusal that is not a 400 naming a context field: \(fault)") }
            return
        case .success(let c):
            context = c
        }
        let required = [context.serviceAgreementUUID, context.userSystemUUID, context.userUUID, context.serviceUUID]
        guard required.allSatisfy(isLowercaseUUID), required.allSatisfy({ $0.utf8.count == 36 }) else {
            throw fail("accepted a required field that is not a lowercase UUID: \(required)")
        }
        for value in [context.onBehalfOfUser, context.callersServiceCallIdentifier, context.accountingInfo] {
            guard let value else { continue }
            guard !value.isEmpty, value.count <= InvocationContext.maximumOptionalLength else {
                throw fail("accepted an optional field of \(value.count) characters")
            }
            guard let f = value.unicodeScalars.first, let l = value.unicodeScalars.last,
                  ![" ", "\t"].contains(f), ![" ", "\t"].contains(l) else {
                throw fail("accepted an optional field with surrounding blanks")
            }
        }
        let fields: [InvocationContext.Field: String?] = [
            .serviceAgreementUUID: context.serviceAgreementUUID, .userSystemUUID: context.userSystemUUID,
            .userUUID: context.userUUID, .serviceUUID: context.serviceUUID, .onBehalfOfUser: context.onBehalfOfUser,
            .callersServiceCallIdentifier: context.callersServiceCallIdentifier, .accountingInfo: context.accountingInfo,
        ]
        guard InvocationContext.parse({ (field: InvocationContext.Field) in fields[field] ?? nil }) == .success(context) else {
            throw fail("reading the accepted context again gives another result")
        }
    }
}
