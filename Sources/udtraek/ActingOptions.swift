import Administration
import ArgumentParser
import Foundation
import Store

/// Who a command acts as. With a personal token (`UDTRAEK_TOKEN` or `--token-file`, never
/// an argument: arguments show in `ps`), the command does exactly what that user may do
/// through the API. Without one it acts as the platform's operator at this machine, as
/// every other command does; acts that only a supplier or a signatory may do then say so.
struct ActingOptions: ParsableArguments {
    @Option(help: "A file holding a personal API token to act as (or set UDTRAEK_TOKEN).")
    var tokenFile: String?

    func principal(_ desk: AdministrationDesk, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Principal {
        var token = environment["UDTRAEK_TOKEN"]
        if let tokenFile {
            do {
                token = try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw Failure("Cannot read the token file \(tokenFile.displaySafe(limit: 200)): \(error.localizedDescription)")
            }
        }
        guard let text = token?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            return .platformOperator(actor: "cli:\(environment["USER"] ?? "operator")")
        }
        guard let p = try desk.signIn(token: text) else {
            throw Failure("The token (\(TokenSecret.displayPrefix(text).displaySafe(limit: 20))…) is not valid, has expired or was revoked. Make a new one with `udtraek users token create --user ID`.")
        }
        return p
    }
}

extension GlobalOptions {
    /// The administration module on this state directory.
    func openDesk() throws -> (Store, AdministrationDesk) {
        let store = try openStore()
        let keys = ((stateDirectory as NSString).appendingPathComponent("keys") as NSString).appendingPathComponent("registered")
        return (store, AdministrationDesk(store: store, keyDirectory: keys))
    }
}

/// Runs an administrative act and turns its refusal into the CLI's error, which says
/// what was wrong; the exit status tells scripts the kind (64 invalid, 65 not found,
/// 66 forbidden, 67 conflict), as the API's status does.
func administering<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as AdministrationError {
        let code: Int32 = switch e.kind {
        case .invalid: 64
        case .notFound: 65
        case .forbidden: 66
        case .conflict: 67
        }
        FileHandle.standardError.write(Data("udtraek: \(e.message)\n".utf8))
        throw ExitCode(code)
    }
}
