import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

@Suite struct BlockPrunerTests {
    @Test func prunedFolderLoadsAndMatchesTheModelWithBlocksSkipped() throws {
        let tiny = try TinyModel()
        let out = TinyModel.temporaryFolder("pruned") + "/model"
        let before = try Data(contentsOf: URL(fileURLWithPath: tiny.folder + "/model.safetensors"))
        let summary = try BlockPruner.prune(input: tiny.folder, drop: [3, 1], output: out)
        #expect(summary.keptLayers == 3 && summary.dropped == [1, 3])
        let pruned = try Checkpoint.open(out)
        #expect(pruned.config.text.numHiddenLayers == 3)
        let tokens = TinyModel.tokens(20)
        let expected = try TinyModel.without(try tiny.model(), drop: [1, 3]).logits(tokens: tokens)
        #expect(try pruned.loadDecoder().logits(tokens: tokens) == expected)
        // Per-layer config lists follow the blocks; other files are copied; the input is untouched.
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as! [String: Any]
        #expect(config["layer_types"] as? [String] == ["full_attention_0", "full_attention_2", "full_attention_4"])
        #expect(FileManager.default.fileExists(atPath: out + "/tokenizer_config.json"))
        // Number kinds survive (transformers refuses an int where its config wants a float).
        let text = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        #expect(text.contains("\"rope_theta\": 10000.0") && text.contains("\"num_hidden_layers\": 3") && text.contains("\"rms_norm_eps\": 1e-05"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: tiny.folder + "/model.safetensors")) == before)
        #expect(try tiny.checkpoint().config.text.numHiddenLayers == 5)
    }

    @Test func shardedOutputWithIndex() throws {
        let tiny = try TinyModel(tied: true)
        let out = TinyModel.temporaryFolder("sharded") + "/model"
        let summary = try BlockPruner.prune(input: tiny.folder, drop: [0], output: out, shardBytes: 20_000)
        #expect(summary.shards > 1)
        #expect(FileManager.default.fileExists(atPath: out + "/model.safetensors.index.json"))
        let tokens = TinyModel.tokens(9)
        let expected = try TinyModel.without(try tiny.model(), drop: [0]).logits(tokens: tokens)
        #expect(try Checkpoint.open(out).loadDecoder().logits(tokens: tokens) == expected)
    }

    @Test func llavaKeepsVisionTowerAndProjector() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ScalpelModelsTests/Fixtures/models/llava-classic").path
        let out = TinyModel.temporaryFolder("llava") + "/model"
        try BlockPruner.prune(input: fixture, drop: [0], output: out)
        let original = try #require(try Checkpoint.open(fixture).loadLlava())
        let pruned = try #require(try Checkpoint.open(out).loadLlava())
        #expect(pruned.config.text.numHiddenLayers == 1)
        struct Reference: Decodable { var tokens: [Int]; var pixel_values: [Float] }
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: fixture + "/reference.json")))
        original.languageModel.blocks.remove(at: 0)
        #expect(try pruned.logits(tokens: ref.tokens, pixelValues: ref.pixel_values) == original.logits(tokens: ref.tokens, pixelValues: ref.pixel_values))
        #expect(FileManager.default.fileExists(atPath: out + "/generation_config.json"))
    }

    @Test func badRequestsFailClearly() throws {
        let tiny = try TinyModel(layers: 3)
        let out = TinyModel.temporaryFolder("bad") + "/model"
        func message(_ drop: [Int]) -> String {
            do { try BlockPruner.prune(input: tiny.folder, drop: drop, output: out); return "" } catch { return "\(error)" }
        }
        #expect(message([0, 1, 2]).contains("leave no decoder"))
        #expect(message([3]).contains("out of range"))
        #expect(message([-1]).contains("out of range"))
        #expect(message([1, 1]).contains("twice"))
        #expect(message([]).contains("no blocks"))
        #expect(!FileManager.default.fileExists(atPath: out))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "x".write(toFile: out + "/keep", atomically: true, encoding: .utf8)
        #expect(message([1]).contains("not empty"))
        #expect(throws: CompressError.self) { try tiny.runner().block(7) }
    }
}
