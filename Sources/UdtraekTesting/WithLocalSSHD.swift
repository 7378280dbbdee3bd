import Foundation

/// Runs `body` with a started private sshd and stops it (and every connection it serves)
/// before returning, whether `body` returns or throws: no sshd outlives the test that
/// started it.
public func withLocalSSHD<T>(directory: String, port: Int = 0, hostKeyPath: String? = nil,
                             accounts: [LocalSSHD.Account] = [], extraConfig: [String] = [],
                             _ body: (LocalSSHD) throws -> T) throws -> T {
    let sshd = try LocalSSHD(directory: directory, port: port, hostKeyPath: hostKeyPath, accounts: accounts)
    sshd.extraConfig = extraConfig
    defer { sshd.stop() }
    try sshd.start()
    return try body(sshd)
}

/// The same for async tests; the sshd is stopped before this returns, not in a task left
/// behind.
public func withLocalSSHD<T>(directory: String, port: Int = 0, hostKeyPath: String? = nil,
                             accounts: [LocalSSHD.Account] = [], extraConfig: [String] = [],
                             _ body: (LocalSSHD) async throws -> T) async throws -> T {
    let sshd = try LocalSSHD(directory: directory, port: port, hostKeyPath: hostKeyPath, accounts: accounts)
    sshd.extraConfig = extraConfig
    defer { sshd.stop() }
    try sshd.start()
    return try await body(sshd)
}
