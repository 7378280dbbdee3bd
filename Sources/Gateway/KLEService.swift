import SourceStubs

/// KLE lookups: one node by number (`00.01.00`) or UUID, or a node with everything under it.
public struct KLEService: Sendable {
    public let version: KLEVersion
    /// Child nodes by parent number: the version lists its nodes flat.
    let children: [String: [KLENode]]

    public init(version: KLEVersion) {
        self.version = version
        var children: [String: [KLENode]] = [:]
        for n in version.nodes { if let p = n.parentNumber { children[p, default: []].append(n) } }
        self.children = children
    }

    public func node(_ id: String, subtree: Bool, deadline: Deadline) throws(GatewayFault) -> [UInt8] {
        guard let node = version.node(number: id) ?? version.node(uuid: id.lowercased()) else {
            throw GatewayFault(status: 404, code: "not-found",
                               message: "no KLE subject or group with this number or UUID in the plan in force (version \(version.number))")
        }
        var w = JSONWriter(capacity: subtree ? 64 * 1024 : 1024)
        var count = 0
        try render(node, subtree: subtree, into: &w, count: &count, deadline: deadline)
        return w.bytes
    }

    private func render(_ n: KLENode, subtree: Bool, into w: inout JSONWriter, count: inout Int,
                        deadline: Deadline) throws(GatewayFault) {
        count += 1
        if count & 63 == 0 { try deadline.check() }
        w.beginObject()
        w.field("number", n.number)
        w.field("uuid", n.uuid)
        w.field("level", n.level.rawValue)
        w.field("title", n.title)
        w.key("guidance")
        w.beginArray()
        for g in n.guidance { w.value(g) }
        w.endArray()
        w.field("created", n.created)
        w.field("changed", n.changed)
        w.field("expired", n.expired)
        w.field("movedTo", n.movedTo)
        w.field("preservation", n.preservation)
        w.field("deletionPeriod", n.deletionPeriod)
        if subtree {
            w.key("children")
            w.beginArray()
            for c in children[n.number] ?? [] { try render(c, subtree: true, into: &w, count: &count, deadline: deadline) }
            w.endArray()
        } else {
            w.key("children")
            w.beginArray()
            for c in children[n.number] ?? [] { w.value(c.number) }
            w.endArray()
        }
        w.endObject()
    }
}
