import Foundation
import Crypto
import Hummingbird
import NIOCore
import NIOSSL
import Synchronization
import X509

/// The request context of the gateway: Hummingbird's core storage plus the connection's
/// channel, from which the client certificate is read (the TLS handler sits in its pipeline).
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The verified client certificate of the connection; nil on plain HTTP. The TLS
    /// handler has already checked it against the configured CA during the handshake.
    func peerCertificate() async -> NIOSSLCertificate? {
        if channel.eventLoop.inEventLoop {
            return try? channel.pipeline.syncOperations.nioSSL_peerCertificate()
        }
        return try? await channel.nioSSL_peerCertificate().get()
    }
}

/// Turns certificates into identities once per certificate: parsing and hashing on every
/// call would cost more than the lookup itself.
final class IdentityCache: Sendable {
    let cache = Mutex<[NIOSSLCertificate: CallerIdentity]>([:])

    func identity(of certificate: NIOSSLCertificate) -> CallerIdentity? {
        if let known = cache.withLock({ $0[certificate] }) { return known }
        guard let der = try? certificate.toDERBytes() else { return nil }
        let digest = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        let subject = (try? Certificate(derEncoded: der))?.subject.description ?? ""
        let identity = CallerIdentity(subject: subject, fingerprint: "sha256:" + digest)
        cache.withLock { all in
            if all.count > 10_000 { all.removeAll() }
            all[certificate] = identity
        }
        return identity
    }
}
