/// The services data is handed out through. A service agreement names one of them; the
/// gateway's invocation context carries its UUID.
public struct PlatformService: Sendable, Equatable {
    /// The name used in configuration files and agreements, e.g. `cpr-extract`.
    public let key: String
    /// The ServiceUUID callers put in their invocation context.
    public let uuid: String
    public let title: String
}

public enum ServiceCatalog {
    public static let all: [PlatformService] = [
        PlatformService(key: "cpr-extract", uuid: "6a5f2e1c-3b0d-4c8e-9a77-1f2d3c4b5a60", title: "CPR udtræk (status and change extracts)"),
        PlatformService(key: "kle-extract", uuid: "0b9e7d41-58a2-4f3c-8d16-2e4a6c8b0f71", title: "Klassifikation: KLE emneplan extracts"),
        PlatformService(key: "cpr-lookup", uuid: "c4e1a8f2-7d39-4b65-a0c2-9e8f7d6c5b42", title: "CPR person lookup and search"),
        PlatformService(key: "kle-lookup", uuid: "e2d4f6a8-1b3c-4d5e-8f70-a1b2c3d4e5f6", title: "KLE lookup"),
        PlatformService(key: "cpr-population", uuid: "5d8c3b1a-96e4-4f27-b0a3-7c2e9d14f865", title: "CPR: the municipality's whole population as a stream"),
        PlatformService(key: "kle-plan", uuid: "9a7b2e64-0c1d-4e85-a3f6-d1e2b48c7f90", title: "KLE: the whole emneplan as XML"),
        PlatformService(key: "cpr-subscription", uuid: "8c2f4a6e-1d3b-4e5f-9a7c-0b2d4f6a8c1e",
                        title: "CPR subscription (CPR Abonnement): follow PNRs, a municipality or change codes; a daily change file"),
        PlatformService(key: "file-transfer", uuid: "3e6b9f2a-7c41-4d58-b0e3-5a8c1d2f4e67",
                        title: "SFTP file transfer between systems (the agreement names the sender and the data type, InfRef)"),
    ]

    public static func service(key: String) -> PlatformService? { all.first { $0.key == key } }
    public static func service(uuid: String) -> PlatformService? { all.first { $0.uuid == uuid } }
}
