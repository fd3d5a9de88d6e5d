import Foundation
import ScalpelFormats
@testable import ScalpelModels

/// Access to the committed reference checkpoints (see scripts/fixtures/make_model_fixtures.py).
enum Fixtures {
    static func folder(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/models/\(name)", withExtension: nil)!.path
    }

    struct Reference: Decodable {
        var tokens: [Int]
        var logits: [[Float]]
        var pixel_values: [Float]?
        var pixel_shape: [Int]?
    }

    static func reference(_ name: String) throws -> Reference {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder(name) + "/reference.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    static func config(_ name: String) throws -> ModelConfig {
        try ModelConfig(contentsOf: URL(fileURLWithPath: folder(name) + "/config.json"))
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}

/// The path of the SmolLM2 GGUF the setup script fetches, or nil when it is absent.
enum RealModel {
    static var smolLM2: String? {
        let env = ProcessInfo.processInfo.environment
        let root = env["SCALPEL_CACHE"] ?? (NSHomeDirectory() + "/.cache/scalpel")
        let path = root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
