import Foundation
import Hummingbird

/// Reads a JSON request body into `T`, or says what is wrong with it in the request's own
/// terms: which field, and what it must be. Swift's `DecodingError` descriptions (coding
/// paths, "Expected to decode String but found a number instead") are for programmers;
/// an operator's script needs `"date" must be a string, e.g. "2026-11-23"`.
enum RequestBodies {
    /// - Parameters:
    ///   - example: a whole valid body, shown in every answer about a bad body.
    ///   - hints: for fields whose type alone does not say what to send, an example value.
    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer, example: String,
                                     hints: [String: String] = [:]) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(buffer: body))
        } catch let error as DecodingError {
            throw APIProblem(.badRequest, "invalid-body", "\(problem(error, hints: hints)); send JSON like \(example)")
        } catch {
            throw APIProblem(.badRequest, "invalid-body", "the body is not JSON; send JSON like \(example)")
        }
    }

    static func problem(_ error: DecodingError, hints: [String: String]) -> String {
        func name(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        func expected(_ type: Any.Type, _ path: [any CodingKey]) -> String {
            let hint = path.last.flatMap { hints[$0.stringValue] }.map { ", e.g. \($0)" } ?? ""
            return kind(type) + hint
        }
        switch error {
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty { return "the body must be a JSON object" }
            return "\"\(name(context.codingPath))\" must be \(expected(type, context.codingPath))"
        case .valueNotFound(let type, let context):
            if context.codingPath.isEmpty { return "the body must be a JSON object" }
            return "\"\(name(context.codingPath))\" is null; it must be \(expected(type, context.codingPath))"
        case .keyNotFound(let key, let context):
            return "\"\(name(context.codingPath + [key]))\" is missing"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            return "\"\(name(context.codingPath))\" has a value that cannot be read"
        @unknown default:
            return "the body cannot be read"
        }
    }

    /// What a JSON value of a Swift type looks like, in words.
    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        case is [String].Type: "a list of strings"
        default:
            "\(type)".hasPrefix("Array") ? "a list" : "\(type)".hasPrefix("Dictionary") ? "a JSON object" : "a value of another kind"
        }
    }
}
