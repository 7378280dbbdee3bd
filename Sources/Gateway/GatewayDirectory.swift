import Store

/// The configuration the gateway decides with, held in memory: calls are authorised
/// without touching the database. Built from a `ConfigurationSnapshot`; the server
/// reloads it every few seconds so `config apply` takes effect without a restart.
public struct GatewayDirectory: Sendable {
    struct Caller: Sendable {
        var system: ReceiverSystem
        var certificate: SystemCertificate
        var normalisedSubject: [String]?
    }

    let callers: [Caller]
    let municipalitiesByUUID: [String: Municipality]
    let agreementsByUUID: [String: ServiceAgreement]

    public init(_ snapshot: ConfigurationSnapshot) {
        let systems = Dictionary(snapshot.systems.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // A previous certificate in its change order's overlap is accepted beside the new
        // one. Systems registered through the administration module have their rows too.
        callers = (snapshot.gateway.certificates + snapshot.gateway.retiring).compactMap { c in
            systems[c.system].map { Caller(system: $0, certificate: c, normalisedSubject: c.subject.map(DistinguishedName.normalised)) }
        }
        municipalitiesByUUID = Dictionary(snapshot.municipalities.compactMap { m in m.uuid.map { ($0, m) } },
                                          uniquingKeysWith: { a, _ in a })
        agreementsByUUID = Dictionary(snapshot.agreements.map { ($0.uuid, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The systems whose configured certificate matches. Usually one; a certificate
    /// configured for two systems is their operators' mistake, and the context decides.
    func systems(for identity: CallerIdentity) -> [ReceiverSystem] {
        let subject = identity.normalisedSubject
        return callers.filter { c in
            let bySubject = c.normalisedSubject.map { $0 == subject }
            let byFingerprint = c.certificate.fingerprint.map { $0 == identity.fingerprint }
            switch (bySubject, byFingerprint) {
            case (nil, nil): return false
            case (let s?, nil): return s
            case (nil, let f?): return f
            case (let s?, let f?): return s && f
            }
        }.map(\.system)
    }

    /// The names of the systems a certificate with this identity is registered for: what
    /// an `ssl-certificate` change order verifies after registering a new certificate.
    public func systemNames(for identity: CallerIdentity) -> [String] {
        systems(for: identity).map(\.name)
    }

    /// Decides a call: the certificate must belong to the system named in the context, and
    /// the named agreement must be that system's, for that municipality and service, and
    /// approved. Forbidden answers say what the caller can fix about its own setup and
    /// nothing about other systems' agreements.
    ///
    /// `identity` is nil only on plain HTTP, where the context alone names the system.
    public func authorise(identity: CallerIdentity?, context: InvocationContext, service: PlatformService,
                          plainHTTP: Bool) -> Result<AuthorisedCall, GatewayFault> {
        let system: ReceiverSystem
        if let identity {
            let candidates = systems(for: identity)
            if candidates.isEmpty {
                return .failure(.forbidden("the client certificate is not registered for any calling system; ask the platform's operators to register its subject or SHA-256 fingerprint"))
            }
            guard let s = candidates.first(where: { $0.uuid == context.userSystemUUID }) else {
                return .failure(.forbidden("the client certificate does not belong to the system named by UserSystemUUID; call with that system's own certificate"))
            }
            system = s
        } else {
            guard plainHTTP, let s = callers.first(where: { $0.system.uuid == context.userSystemUUID })?.system else {
                return .failure(.forbidden("no calling system with the UserSystemUUID of this call is registered with the gateway"))
            }
            system = s
        }
        guard context.serviceUUID == service.uuid else {
            return .failure(GatewayFault(status: 400, code: "wrong-service",
                                         message: "ServiceUUID does not name the service of this operation; this operation belongs to service \(service.uuid) (\(service.key))",
                                         field: "ServiceUUID"))
        }
        let noAgreement = GatewayFault.forbidden("no approved service agreement with this ServiceAgreementUUID covers this system, the municipality named by UserUUID and this service")
        guard let municipality = municipalitiesByUUID[context.userUUID] else { return .failure(noAgreement) }
        guard let agreement = agreementsByUUID[context.serviceAgreementUUID], agreement.system == system.name else {
            return .failure(noAgreement)
        }
        guard agreement.municipality == municipality.code, agreement.service == service.key else {
            return .failure(.forbidden("the service agreement named by ServiceAgreementUUID is for another municipality or service; name the agreement that covers this municipality and service"))
        }
        switch agreement.state {
        case .approved:
            return .success(AuthorisedCall(system: system, municipality: municipality, agreement: agreement, service: service))
        case .requested:
            return .failure(.forbidden("the service agreement is requested: the municipality's signatory has not approved it yet, so no data flows under it"))
        case .rejected:
            return .failure(.forbidden("the service agreement was rejected by the municipality; no data flows under it"))
        case .terminated:
            return .failure(.forbidden("the service agreement is terminated; no data flows under it any more"))
        }
    }
}

/// A call allowed to proceed, with everything the audit row and the service need.
public struct AuthorisedCall: Sendable {
    public var system: ReceiverSystem
    public var municipality: Municipality
    public var agreement: ServiceAgreement
    public var service: PlatformService
    /// The gateway's id of this call (`X-Request-Id`), set once the call is admitted.
    public var requestID = ""
    /// From the invocation context, for the audit of what the call changes.
    public var onBehalfOfUser: String?
    public var callersCallID: String?
}
