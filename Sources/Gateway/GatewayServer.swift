import BusinessCalendar
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Runtime
import ServiceLifecycle
import SourceStubs
import Store

/// The lookup gateway as a Hummingbird application: build it with the store and the
/// gateway settings, and run it (it is a swift-service-lifecycle `Service`) in the
/// process's `ServiceGroup`.
///
/// ```swift
/// let gateway = try GatewayServer(store: store, settings: settings, logger: logger)
/// let app = try gateway.makeApplication()
/// // ServiceGroup(services: [app, ...], ...)
/// ```
public struct GatewayServer: Sendable {
    public let settings: GatewaySettings
    public let auditor: CallAuditor
    public let breaches: BreachMonitor
    /// Today in Copenhagen on the gateway's clock: the register date calls are answered for.
    public let day: CopenhagenDay
    let directory: DirectoryCache
    let kle: KLEPlanCache
    let searchWarmer: CPRSearchWarmer
    let handler: GatewayCallHandler
    let logger: Logger

    /// - Parameters:
    ///   - settings: listen address, TLS files and limits; nil reads them from the store
    ///     (the `gateway:` section applied with `udtraek config apply`).
    ///   - targets: the service-target limits.
    ///   - clock: the one clock of the gateway: call deadlines, first-byte limits, the
    ///     transfer-rate watchdog, today's date, audit times and housekeeping intervals.
    ///     Tests inject a manual clock.
    ///   - executor: where blocking work runs: searches, large responses a chunk at a
    ///     time, audit writes, directory reloads and the KLE plan's daily build.
    ///   - alarms: where breach alarms go; by default an error-level log line.
    ///   - directoryRefresh: how often systems, certificates and agreements are read again
    ///     from the store, so `config apply` takes effect without a restart.
    public init(store: Store, settings: GatewaySettings? = nil, logger: Logger,
                targets: ServiceTargets = ServiceTargets(), clock: RuntimeClock = .system,
                executor: BlockingExecutor = .shared,
                alarms: (any BreachAlarmSink)? = nil, directoryRefresh: Duration = .seconds(5)) throws {
        let snapshot = try store.configuration()
        guard let settings = settings ?? snapshot.gateway.settings else {
            throw GatewayError("starting the gateway", "the configuration has no gateway section",
                               hint: "add a `gateway:` section to the configuration file and run `udtraek config apply`")
        }
        self.settings = settings
        self.logger = logger
        day = CopenhagenDay(clock: clock)
        auditor = CallAuditor(store: store, logger: logger, retentionDays: settings.auditRetentionDays, clock: clock, executor: executor)
        breaches = BreachMonitor(threshold: settings.breachAlarmShare, sink: alarms ?? LoggingBreachAlarmSink(logger: logger),
                                 executor: executor)
        guard let epoch = CivilDate(iso: snapshot.sources.epoch) else {
            throw GatewayError("starting the gateway", "the sources epoch '\(snapshot.sources.epoch)' is not a date",
                               hint: "fix sources.epoch in the configuration file")
        }
        directory = DirectoryCache(store: store, initial: GatewayDirectory(snapshot), refresh: directoryRefresh, clock: clock,
                                   executor: executor, logger: logger)
        kle = KLEPlanCache(plan: KLEPlan(seed: snapshot.sources.kleSeed, epoch: epoch), today: day, executor: executor, logger: logger)
        let population = try CPRPopulation(seed: snapshot.sources.cprSeed, size: snapshot.sources.cprPersons, epoch: epoch)
        searchWarmer = CPRSearchWarmer(population: population, today: day, executor: executor, logger: logger)
        handler = GatewayCallHandler(
            settings: settings, targets: targets, clock: clock, executor: executor, day: day,
            directory: directory,
            limiter: ConcurrencyLimiter(limit: settings.maxConcurrentCallsPerSystem),
            auditor: auditor, breaches: breaches, connections: ConnectionIdentities(identities: IdentityCache()),
            cpr: CPRService(population: population),
            subscriptions: SubscriptionService(store: store, population: population),
            kle: kle,
            logger: logger)
    }

    /// The calls each system has in flight (its concurrency slots taken).
    public func callsInFlight(system: String) -> Int { handler.limiter.inFlight(system) }

    /// The application: the gateway's routes, TLS with required client certificates
    /// (unless `plain_http`), and the audit writer, the directory refresh and the KLE plan's
    /// daily build as companion services.
    /// `onServerRunning` gets the bound port (useful with port 0).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> some ApplicationProtocol {
        let router = Router(context: GatewayRequestContext.self)
        GatewayRoutes.register(on: router, handler: handler)
        SubscriptionRoutes.register(on: router, handler: handler)
        return Application(
            router: router, server: try serverBuilder(),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port),
                                                    serverName: "udtraek-gateway"),
            services: [auditor, directory, kle, searchWarmer],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// A bare application with the same listener and TLS setup that answers `/constant`
    /// with a fixed body: the benchmark's baseline for what Hummingbird and TLS cost alone.
    /// `/constant/{bytes}` answers with that many bytes (at most 64 kB), so the benchmark
    /// can also tell the cost of a response's size from the cost of the gateway's work.
    public func makeBaselineApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> some ApplicationProtocol {
        let router = Router(context: GatewayRequestContext.self)
        let body = ByteBuffer(string: #"{"constant":true}"#)
        router.get("/constant") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        let filler = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        router.get("/constant/:bytes") { _, context in
            let n = min(filler.readableBytes, max(0, context.parameters.get("bytes", as: Int.self) ?? 0))
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: filler.getSlice(at: 0, length: n) ?? ByteBuffer()))
        }
        return Application(
            router: router, server: try serverBuilder(),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    func serverBuilder() throws -> HTTPServerBuilder {
        if settings.plainHTTP {
            logger.warning("the gateway serves plain HTTP without client certificates (gateway.plain_http); for local use only")
            return .http1()
        }
        return try .tls(.http1(), tlsConfiguration: try Self.tlsConfiguration(settings))
    }

    /// Server certificate and key, and a client certificate required and verified against
    /// the configured CA (no hostname check: clients are systems, not hosts).
    static func tlsConfiguration(_ settings: GatewaySettings) throws -> TLSConfiguration {
        guard let certPath = settings.certificatePath, let keyPath = settings.privateKeyPath, let caPath = settings.clientCAPath else {
            throw GatewayError("configuring TLS", "gateway.tls needs certificate, private_key and client_ca",
                               hint: "give all three paths, or set gateway.plain_http: true for local use without TLS")
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certPath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            let roots = try NIOSSLCertificate.fromPEMFile(caPath)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates(roots)
            tls.sendCANameList = true
            tls.minimumTLSVersion = .tlsv12
            return tls
        } catch {
            throw GatewayError("loading the gateway's TLS files (\(certPath), \(keyPath), \(caPath))", "\(error)",
                               hint: "check that the files exist, are PEM, and that the key matches the certificate")
        }
    }
}

/// A failure to set up or run the gateway, saying what was being done and what to do.
public struct GatewayError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var reason: String
    public var hint: String

    public init(_ operation: String, _ reason: String, hint: String = "") {
        self.operation = operation
        self.reason = reason
        self.hint = hint
    }

    public var description: String { "\(operation) failed: \(reason)" + (hint.isEmpty ? "" : ". \(hint)") }
}
