import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// `MergedCheckpoint.merge`: the folded checkpoint computes what the base with the adapter applied
/// computes, keeps every other tensor's stored bytes, and refuses adapters it cannot fold.
@Suite("Adapter merging")
struct MergeTests {
    static let llavaFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScalpelModelsTests/Fixtures/models/llava-image").path

    /// A decoder on `base` with a random adapter (B ≠ 0) on `targets`, written as a PEFT folder.
    static func adapter(base: String, to folder: String, targets: LoRATargets = .allLinear, rsLoRA: Bool = false) throws -> TrainableDecoder {
        let checkpoint = try Checkpoint.open(base)
        let names = checkpoint.config.llava != nil ? LlavaTensorNames.detect(in: checkpoint.weights).text : LlamaTensorNames.detect(in: checkpoint.weights)
        let model = try LlamaModel(source: checkpoint.weights, config: checkpoint.config.text, names: names)
        let d = try TrainableDecoder(model: model, names: names, lora: LoRAConfig(rank: 3, alpha: 5, useRSLoRA: rsLoRA, targets: targets, seed: 4))
        TrainSupport.randomizeB(d, seed: 8)
        try PEFTAdapter.write(d, to: folder)
        return d
    }

    static func batch(vocab: Int) -> TrainingBatch {
        let tokens = [1, 17, 5, 9, 33, 2, 8, 11].map { $0 % vocab }
        return SFTData.collate([TrainingSample(tokens: tokens)], padId: 0)
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test("LLaMA: merged logits equal the adapted model's, adapter-free tensors byte-identical")
    func llama() throws {
        let root = SFTRunTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = try SFTRunTests.modelFolder(in: root)
        let adapted = try Self.adapter(base: base, to: root + "/adapter", targets: .suffixes(["q_proj", "v_proj", "down_proj"]), rsLoRA: true)
        try MergedCheckpoint.merge(base: base, adapter: root + "/adapter", to: root + "/merged")
        let batch = Self.batch(vocab: 400)
        let expected = try adapted.logits(batch)
        let merged = try TrainableDecoder(model: try Checkpoint.open(root + "/merged").loadDecoder())
        let plain = try TrainableDecoder(model: try Checkpoint.open(base).loadDecoder())
        let got = try merged.logits(batch), before = try plain.logits(batch)
        #expect(Self.maxDifference(got, expected) < 1e-4)
        #expect(Self.maxDifference(before, expected) > 1e-3, "the adapter must change the logits for the check to mean anything")
        let a = try SafetensorsFile(path: base + "/model.safetensors"), b = try SafetensorsFile(path: root + "/merged/model.safetensors")
        #expect(try Array(a.rawBytes("model.layers.0.self_attn.k_proj.weight")) == Array(b.rawBytes("model.layers.0.self_attn.k_proj.weight")))
        #expect(try a.floats("model.layers.1.self_attn.v_proj.weight") != b.floats("model.layers.1.self_attn.v_proj.weight"))
        #expect(FileManager.default.fileExists(atPath: root + "/merged/tokenizer.json"))
        #expect(try String(contentsOfFile: root + "/merged/config.json", encoding: .utf8) == String(contentsOfFile: base + "/config.json", encoding: .utf8))
    }

    @Test("LLaVA: the language model merges, vision tower and projector tensors keep their bytes, preprocessor copied")
    func llava() throws {
        let root = SFTRunTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let adapted = try Self.adapter(base: Self.llavaFolder, to: root + "/adapter")
        let config = try String(contentsOfFile: root + "/adapter/adapter_config.json", encoding: .utf8)
        #expect(config.contains("language_model"), "LLaVA targets are a regex over the language model")
        try MergedCheckpoint.merge(base: Self.llavaFolder, adapter: root + "/adapter", to: root + "/merged")
        let base = try Checkpoint.open(Self.llavaFolder), merged = try Checkpoint.open(root + "/merged")
        #expect(merged.config.llava != nil)
        let raw = try MergedCheckpoint.rawTensors(base.weights), out = try SafetensorsFile(path: root + "/merged/model.safetensors")
        var untouched = 0
        for name in base.weights.tensorNames where !name.contains("language_model") {
            let (file, tensor) = raw(name)!
            #expect(Array(file.rawBytes(tensor)) == Array(try out.rawBytes(name)), "\(name)")
            untouched += 1
        }
        #expect(untouched > 10)
        #expect(FileManager.default.fileExists(atPath: root + "/merged/preprocessor_config.json"))
        let vocab = base.config.text.vocabSize
        let names = LlavaTensorNames.detect(in: merged.weights).text
        let decoder = try TrainableDecoder(model: LlamaModel(source: merged.weights, config: merged.config.text, names: names), names: names)
        #expect(Self.maxDifference(try decoder.logits(Self.batch(vocab: vocab)), try adapted.logits(Self.batch(vocab: vocab))) < 1e-4)
    }

    @Test("adapters the merge cannot fold are refused by name")
    func refusals() throws {
        let root = SFTRunTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = try SFTRunTests.modelFolder(in: root)
        _ = try Self.adapter(base: base, to: root + "/adapter")
        func message(_ adapter: String, base b: String? = nil) -> String {
            do { try MergedCheckpoint.merge(base: b ?? base, adapter: adapter, to: root + "/out-\(UUID().uuidString)"); return "no error" } catch { return "\(error)" }
        }
        let configPath = root + "/adapter/adapter_config.json"
        let original = try String(contentsOfFile: configPath, encoding: .utf8)
        try AtomicFile.write(original.replacingOccurrences(of: "\"use_dora\": false", with: "\"use_dora\": true"), to: configPath)
        #expect(message(root + "/adapter").contains("DoRA"))
        try AtomicFile.write(original.replacingOccurrences(of: "\"rank_pattern\": {}", with: "\"rank_pattern\": {\"q_proj\": 2}"), to: configPath)
        #expect(message(root + "/adapter").contains("rank_pattern"))
        // An adapter listing fewer targets than its tensors: the extra tensors are named.
        try AtomicFile.write(original.replacingOccurrences(of: #""k_proj", "#, with: ""), to: configPath)
        #expect(message(root + "/adapter").contains("fit no LoRA module"))
        try AtomicFile.write(original, to: configPath)
        #expect(message(root + "/nowhere").contains("no adapter_config.json"))
        #expect(message(root + "/adapter") == "no error")
    }
}
