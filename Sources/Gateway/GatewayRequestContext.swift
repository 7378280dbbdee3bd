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

/// The caller identity of each open connection, so the certificate is read from the TLS
/// handler (a hop to the connection's event loop) and turned into an identity once per
/// connection rather than once per call on a keep-alive connection.
///
/// Entries are keyed by the channel object's identity and removed when the channel has
/// closed. The removal closure holds the channel, so the channel cannot be freed, and its
/// address reused by a new connection, before its entry is gone: a new connection can
/// never be taken for an old one.
final class ConnectionIdentities: Sendable {
    let identities: IdentityCache
    let byChannel = Mutex<[ObjectIdentifier: CallerIdentity]>([:])

    init(identities: IdentityCache) { self.identities = identities }

    /// The identity of the connection's client certificate, or nil when it presented none.
    func identity(of context: GatewayRequestContext) async -> CallerIdentity? {
        let channel = context.channel
        let key = ObjectIdentifier(channel)
        if let known = byChannel.withLock({ $0[key] }) { return known }
        guard let certificate = await context.peerCertificate(), let identity = identities.identity(of: certificate) else {
            return nil
        }
        let open = byChannel.withLock { all -> Bool in
            // A channel that has already closed gets no entry: nothing would remove it.
            guard channel.isActive else { return false }
            all[key] = identity
            return true
        }
        if open {
            channel.closeFuture.whenComplete { [self] _ in
                _ = byChannel.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
        return identity
    }

    /// Open connections with a known identity (for tests).
    var count: Int { byChannel.withLock { $0.count } }
}

/// Turns certificates into identities once per certificate: parsing and hashing on every
/// connection would cost more than the lookup itself.
final class IdentityCache: Sendable {
    let cache = Mutex<[NIOSSLCertificate: CallerIdentity]>([:])

    func identity(of certificate: NIOSSLCertificate) -> CallerIdentity? {
        if let known = cache.withLock({ $0[certificate] }) { return known }
        guard let der = try? certificate.toDERBytes() else { return nil }
        let identity = CallerIdentity(der: der, subject: (try? Certificate(derEncoded: der))?.subject.description ?? "")
        cache.withLock { all in
            if all.count > 10_000 { all.removeAll() }
            all[certificate] = identity
        }
        return identity
    }
}
