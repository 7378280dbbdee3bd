import BusinessCalendar
import Dispatch
import Foundation
import Gateway
import Logging
import Runtime
import SourceStubs
import Store
import Synchronization

/// The demo's lookup-gateway step: the gateway of `Config/` on a free loopback port for a
/// moment, called with curl and sag-kbh's client certificate the way a calling system
/// would: a København resident found, an Aarhus resident answered exactly like a PNR
/// nobody has, and a call without a client certificate turned away in the handshake.
enum DemoGateway {
    /// The step's lines, handed from the task that makes the calls to the command waiting for it.
    final class Outcome: Sendable {
        let result = Mutex<Result<[String], any Error>>(.success([]))
    }

    /// Runs the step; returns what to print, or nothing when the configuration has no
    /// gateway or the PKI of `make gateway-certs` is missing.
    static func run(store: Store) throws -> [String] {
        let snapshot = try store.configuration()
        guard var settings = snapshot.gateway.settings, !settings.plainHTTP,
              let kbh = snapshot.municipalities.first(where: { $0.code == "0101" && $0.uuid != nil }),
              let system = snapshot.systems.first(where: { $0.name == "sag-kbh" }), let systemUUID = system.uuid,
              let agreement = snapshot.agreements.first(where: { $0.system == "sag-kbh" && $0.service == "cpr-lookup" && $0.state == .approved }),
              let ca = settings.clientCAPath else { return [] }
        let certs = (ca as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: certs + "/sag-kbh.pem") else {
            return ["  skipped: no client certificates in \(certs) (run `make gateway-certs`)"]
        }
        settings.port = 0  // a free one: a gateway started by `udtraek serve` may hold the configured port
        var logger = Logger(label: "udtraek.demo.gateway")
        logger.logLevel = .error
        let server = try GatewayServer(store: store, settings: settings, logger: logger)
        let epoch = CivilDate(iso: snapshot.sources.epoch) ?? CPRPopulation.epochs.lowerBound
        let population = try CPRPopulation(seed: snapshot.sources.cprSeed, size: snapshot.sources.cprPersons, epoch: epoch)
        let today = server.day.today()
        guard let resident = SourceStubsAccess.residents(population, municipality: "0101", count: 1, on: today).first,
              let elsewhere = SourceStubsAccess.residents(population, municipality: "0751", count: 1, on: today).first else { return ["  skipped: the population has no resident of both København and Aarhus"] }

        let context = ["ServiceAgreementUUID": agreement.uuid, "UserSystemUUID": systemUUID, "UserUUID": kbh.uuid ?? "",
                       "ServiceUUID": ServiceCatalog.service(key: "cpr-lookup")?.uuid ?? ""]
        // The CPR subscription, when sag-kbh has one: the same call path, another service.
        let subscription = snapshot.agreements.first { $0.system == "sag-kbh" && $0.service == "cpr-subscription" && $0.state == .approved }.map { a in
            context.merging(["ServiceAgreementUUID": a.uuid, "ServiceUUID": ServiceCatalog.service(key: "cpr-subscription")?.uuid ?? "",
                             "OnBehalfOfUser": "demo", "CallersServiceCallIdentifier": "demo-1"]) { _, new in new }
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let lines = try await calls(server, certs: certs, context: context, subscription: subscription,
                                            resident: resident, elsewhere: elsewhere)
                outcome.result.withLock { $0 = .success(lines) }
            } catch {
                outcome.result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        return try outcome.result.withLock { $0 }.get()
    }

    /// Starts the gateway, makes the three calls, stops it; returns what to print.
    static func calls(_ server: GatewayServer, certs: String, context: [String: String], subscription: [String: String]?,
                      resident: String, elsewhere: String) async throws -> [String] {
        let (ready, readyContinuation) = AsyncStream<Int>.makeStream()
        let app = try server.makeApplication(onServerRunning: { readyContinuation.yield($0) })
        let serving = Task { try await app.runService() }
        var port = 0
        for await p in ready { port = p; break }
        var lines: [String] = []
        let found = try await curl(port, "/cpr/persons/\(resident)", certs: certs, cert: "sag-kbh", headers: context)
        lines.append("  GET /cpr/persons/\(resident) (a København resident): \(found.status)")
        lines.append("    " + String(found.body.prefix(240)) + (found.body.count > 240 ? "..." : ""))
        let other = try await curl(port, "/cpr/persons/\(elsewhere)", certs: certs, cert: "sag-kbh", headers: context)
        lines.append("  GET /cpr/persons/\(elsewhere) (lives in Aarhus): \(other.status), as for a PNR nobody has")
        let bare = try await curl(port, "/cpr/persons/\(resident)", certs: certs, cert: nil, headers: context)
        lines.append("  the same call without a client certificate: " + (bare.status == 0 ? "refused in the TLS handshake" : "\(bare.status)"))
        if let subscription {
            let envelope = """
                <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="\(SOAPEnvelope.serviceNamespace)">\
                <soapenv:Body><ns:AddPNRSubscription><ns:PNR>\(resident)</ns:PNR></ns:AddPNRSubscription></soapenv:Body></soapenv:Envelope>
                """
            let added = try await curl(port, "/soap/CprSubscriptionService/1", certs: certs, cert: "sag-kbh", headers: subscription,
                                       extra: ["-X", "POST", "-H", "Content-Type: text/xml; charset=utf-8", "--data-binary", envelope])
            let result = added.body.range(of: "<ns:Result>").flatMap { r in added.body[r.upperBound...].split(separator: "<").first }
            lines.append("  SOAP AddPNRSubscription(\(resident)) under the cpr-subscription agreement: \(added.status) \(result ?? "")")
            let filters = try await curl(port, "/cpr/subscriptions", certs: certs, cert: "sag-kbh", headers: subscription)
            lines.append("  GET /cpr/subscriptions (GetAllFilters): \(filters.status) " + String(filters.body.prefix(160)))
            lines.append("    the daily file of just these persons comes with cpr-kbh-abonnement's runs (`udtraek subscriptions show sag-kbh`)")
        }
        serving.cancel()
        _ = try? await serving.value
        await server.auditor.flushOnExecutor()
        return lines
    }

    /// One curl call, waited for on the blocking executor.
    static func curl(_ port: Int, _ path: String, certs: String, cert: String?, headers: [String: String],
                     extra: [String] = []) async throws -> (status: Int, body: String) {
        try await BlockingExecutor.shared.run {
            var args = ["-s", "-w", "\n%{http_code}", "--cacert", certs + "/ca.pem", "--max-time", "20"]
            if let cert { args += ["--cert", "\(certs)/\(cert).pem", "--key", "\(certs)/\(cert).key"] }
            for (k, v) in headers.sorted(by: { $0.key < $1.key }) { args += ["-H", "\(k): \(v)"] }
            args += extra
            args.append("https://127.0.0.1:\(port)\(path)")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
    }
}
