import Foundation
import Testing
@testable import ScalpelFormats

/// Fixture paths, temporary folders and error assertions shared by the GGUF and safetensors tests.
enum FormatsTesting {
    /// The path of a committed fixture, e.g. `fixture("gguf/quants.gguf")`.
    static func fixture(_ relative: String) -> String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(relative).path
    }

    /// The bytes of a committed fixture.
    static func fixtureBytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixture(relative))))
    }

    /// A new empty folder under the system's temporary folder.
    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "scalpel-formats-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Expects `body` to throw a `FormatError` whose message contains every one of `parts`.
    static func expectError(_ parts: String..., sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected a FormatError mentioning \(parts), nothing was thrown", sourceLocation: sourceLocation)
        } catch let e as FormatError {
            for p in parts where !e.description.contains(p) {
                Issue.record("error \"\(e.description)\" does not mention \"\(p)\"", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected a FormatError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Whether two float arrays are equal bit for bit.
    static func bitEqual(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    /// A deterministic generator for mutation tests.
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

/// Builds GGUF files byte by byte, including broken ones.
struct GGUFBuilder {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var alignment = 32
    var kvs: [[UInt8]] = []
    var infos: [[UInt8]] = []
    var data: [UInt8] = []
    var tensorCountOverride: UInt64?
    var kvCountOverride: UInt64?

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }

    static func str(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    mutating func kv(_ key: String, type: UInt32, _ payload: [UInt8]) {
        kvs.append(Self.str(key) + Self.le(type) + payload)
    }

    mutating func kv(_ key: String, u32 v: UInt32) { kv(key, type: 4, Self.le(v)) }
    mutating func kv(_ key: String, string s: String) { kv(key, type: 8, Self.str(s)) }

    mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        infos.append(Self.str(name) + Self.le(UInt32(dims.count)) + dims.flatMap { Self.le($0) } + Self.le(type) + Self.le(offset))
    }

    /// Adds an F32 tensor with its data (dims fastest-varying first).
    mutating func f32(_ name: String, dims: [UInt64], values: [Float]) {
        while data.count % alignment != 0 { data.append(0) }
        tensorInfo(name, dims: dims, type: 0, offset: UInt64(data.count))
        data += values.withUnsafeBytes { Array($0) }
    }

    /// The bytes up to the end of the tensor infos.
    func header() -> [UInt8] {
        var out = magic + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(infos.count))
        out += Self.le(kvCountOverride ?? UInt64(kvs.count))
        for k in kvs { out += k }
        for t in infos { out += t }
        return out
    }

    func bytes() -> [UInt8] {
        var out = header()
        while out.count % alignment != 0 { out.append(0) }
        return out + data
    }
}
