import Foundation
import ScalpelFormats
import ScalpelTrain
@testable import ScalpelEngine

/// A temporary workspace for pipeline runs: a copy of the tiny LLaVA fixture (2 blocks, hidden 64, vocab
/// 100, 28-pixel images) with a BPE tokenizer trained for it, two images, conversation files for
/// calibration, training, validation and test, general text, a recipe and a runs folder.
struct RunFixture {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScalpelModelsTests/Fixtures/models").standardizedFileURL.path

    static let questions: [(String, String, String)] = [
        ("fundus.jpg", "What colour is the lesion?", "dark brown"),
        ("microaneurysms.png", "What colour is the lesion?", "red"),
        ("fundus.jpg", "Is it benign or suspicious?", "benign"),
        ("microaneurysms.png", "Is it benign or suspicious?", "suspicious"),
        ("fundus.jpg", "How many colours?", "two"),
        ("microaneurysms.png", "How many colours?", "three"),
    ]

    let root: String
    var model: String { root + "/model" }
    var runs: String { root + "/runs" }
    var store: RunStore { RunStore(root: runs) }

    init() throws {
        let fm = FileManager.default
        root = fm.temporaryDirectory.appendingPathComponent("scalpel-run-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: root + "/data/images", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.models + "/llava-image", toPath: model)
        for name in ["fundus.jpg", "microaneurysms.png"] {
            try fm.copyItem(atPath: Self.models + "/llava-image/images/" + name, toPath: root + "/data/images/" + name)
        }
        var records: [[String: Any]] = []
        for (i, q) in Self.questions.enumerated() {
            records.append(["id": "q\(i)", "type": "t\(i % 3)", "image": "images/" + q.0,
                            "conversations": [["from": "human", "value": "<image>\n" + q.1], ["from": "gpt", "value": q.2]]])
        }
        let json = try JSONSerialization.data(withJSONObject: records, options: [.sortedKeys])
        for name in ["domain", "train", "val", "test"] { try json.write(to: URL(fileURLWithPath: root + "/data/\(name).json")) }
        let general = "the weather is mild today; the train leaves at noon; colours of the sea are blue and green.\n"
        try Data(String(repeating: general, count: 20).utf8).write(to: URL(fileURLWithPath: root + "/data/general.txt"))
        var trainer = try BPETokenizerTrainer(options: .init(vocabSize: 100, minFrequency: 1, trailingSpecialTokens: ["<pad>", "<image>"],
                                                             fullByteAlphabet: false))
        try trainer.add(corpusFile: root + "/data/train.json")
        trainer.add(text: general)
        try trainer.train().write(to: model + "/tokenizer.json")
    }

    /// A recipe running every stage in a few seconds: importance (block influence) → drop 1 of 2 blocks →
    /// LoRA for `steps` steps with checkpoints every 2 → RTN W4 g32 → accuracy (and baseline) → hf export.
    func recipe(name: String = "tiny", steps: Int = 6, extra: String = "") -> String {
        """
        name: \(name)
        seed: 0
        model: model
        calibration:
          domain: data/domain.json
          general: data/general.txt
          samples: 4
          seq_len: 64
        importance:
          criteria: [block_influence]
        prune:
          count: 1
          criterion: block_influence
        sft:
          data: data/train.json
          validation: data/val.json
          steps: \(steps)
          batch_size: 2
          lr: 1.0e-3
          seq_len: 64
          eval_every: 3
          checkpoint_every: 2
          lora: {r: 4, alpha: 8}
        quantize:
          method: rtn
          bits: 4
          group_size: 32
        eval:
          - name: test
            data: data/test.json
            metrics: [accuracy]
            limit: 4
        baseline: true
        export:
          formats: [hf]
        \(extra)
        """
    }

    /// Writes `text` as `name` in the workspace and loads it (every diagnostic is a failure).
    func load(_ text: String, as name: String = "recipe.yaml") throws -> Recipe {
        let path = root + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let checked = Recipe.check(path: path)
        guard let recipe = checked.recipe, checked.diagnostics.isEmpty else {
            throw StageError(code: "test_recipe", checked.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return recipe
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Collects event lines in memory.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
    var sink: CallbackSink { CallbackSink { [self] line in lock.lock(); storage.append(line); lock.unlock() } }
    var events: [EngineEvent] { lines.compactMap { try? EngineEvent(line: $0) } }
}
