import Foundation

/// Small helpers for commands that print JSON on stdout.
enum JSONOutput {
    /// Serialises `object` (sorted keys) and prints it as one line.
    static func print(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }

    /// A float at round-trip precision (Swift's shortest representation), JSON-safe.
    static func number(_ value: Float) -> String {
        value.isFinite ? "\(value)" : "null"
    }
}

/// Reads a UTF-8 text file with an error that names it.
func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw ValidationError("\(path) is not UTF-8 text")
    }
    return text
}

import ArgumentParser
