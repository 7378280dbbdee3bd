import Gateway

/// A SOAP request to the subscription service (`SOAPEnvelope.parse`), as a client posts it.
///
/// A refusal is a 400 `malformed-request` that says what is wrong; an accepted request has
/// an operation, values no longer than the input, and reads the same again when its values
/// are written into a fresh envelope (escaped as the answers escape text).
enum SOAPEnvelopeTarget {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        func fail(_ property: String) -> FuzzFailure { FuzzFailure(.soapEnvelope, property) }
        switch SOAPEnvelope.parse(input) {
        case .failure(let fault):
            guard fault.status == 400, fault.code == "malformed-request", !fault.message.isEmpty else {
                throw fail("a refusal that is not a 400 malformed-request: \(fault)")
            }
        case .success(let request):
            guard !request.operation.isEmpty else { throw fail("accepted a request without an operation") }
            let total = request.values.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            guard total <= input.count * 4 else { throw fail("values longer than the input") }
            let names = request.values.keys.sorted().filter { isName($0) }
            let values = names.map { ($0, [request.values[$0] ?? ""]) }
            let again = SOAPEnvelope.parse(SOAPEnvelope.request(request.operation, values))
            guard isName(request.operation) else { return }
            guard case .success(let reread) = again, reread.operation == request.operation else {
                throw fail("an accepted request written again does not read back: \(again)")
            }
            for n in names where !(request.values[n] ?? "").isEmpty {
                let trimmed = (request.values[n] ?? "")
                guard reread.values[n] == trimmed else { throw fail("value \(n) reads back as \(reread.values[n] ?? "nil")") }
            }
        }
    }

    /// An XML name the round trip can write as an element (ASCII letters and digits).
    static func isName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f.properties.isAlphabetic, f.isASCII else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}
