/// Whether `s` is a UUID in the platform's form: lowercase, 8-4-4-4-12 hexadecimal digits
/// (`[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`). The configuration
/// checks municipality and agreement UUIDs with it and the gateway the four context UUIDs
/// of every call, so it works on bytes, without regular expressions.
public func isLowercaseUUID(_ s: String) -> Bool {
    guard s.utf8.count == 36 else { return false }
    var s = s
    return s.withUTF8 { u in
        for i in 0..<36 {
            let b = u[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if b != UInt8(ascii: "-") { return false }
            } else if !((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66)) {
                return false
            }
        }
        return true
    }
}
