import UdtraekConfig

/// The YAML configuration reader, from text (no file is read: `checkingFiles` is off).
///
/// A refused file gets issues that each name the file, a line and column from 1, and a
/// message; an accepted one, exported (`config export`) and read again, gives the same
/// configuration.
enum ConfigTarget {
    static let path = "/fuzz/udtraek.yaml"

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        func fail(_ property: String) -> FuzzFailure { FuzzFailure(.config, property) }
        let text = FuzzInput.text(input.prefix(65_536))
        let first: ConfigurationFile
        do {
            first = try ConfigurationFile.parse(text, path: path)
        } catch let error as ConfigurationError {
            guard !error.issues.isEmpty else { throw fail("a refusal without issues") }
            for issue in error.issues where issue.file != path || issue.line < 1 || issue.column < 1 || issue.message.isEmpty {
                throw fail("an issue without a place or a message: \(issue)")
            }
            guard !FuzzInput.holdsControl(error.description.replacingOccurrences(of: "\n", with: " ")) else {
                throw fail("the refusal shows a raw control character")
            }
            return
        } catch {
            throw fail("refused with \(type(of: error)), not a ConfigurationError")
        }
        let exported = ConfigurationExport.yaml(first.snapshot)
        let second: ConfigurationFile
        do { second = try ConfigurationFile.parse(exported, path: path) } catch {
            throw fail("the export of an accepted file is refused: \(error)")
        }
        guard second.snapshot == first.snapshot else { throw fail("the export of an accepted file reads back differently") }
    }
}
