import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

@Suite("PEFT adapter")
struct PEFTAdapterTests {
    @Test("export writes PEFT names and shapes, a config PEFT reads, and loads back")
    func export() throws {
        let c = TrainSupport.config()
        let d = try TrainableDecoder(model: TrainSupport.randomModel(c),
                                     lora: LoRAConfig(rank: 4, alpha: 8, dropout: 0.05, targets: .suffixes(["q_proj", "v_proj", "down_proj"]), seed: 3))
        TrainSupport.randomizeB(d)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-peft-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PEFTAdapter.write(d, to: dir, baseModel: "tiny")
        let file = try SafetensorsFile(path: dir + "/adapter_model.safetensors")
        #expect(file.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")?.shape == [4, 8])
        #expect(file.info("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")?.shape == [8, 4])
        #expect(file.info("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight")?.shape == [4, 4])
        #expect(file.info("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight")?.shape == [4, 12])
        #expect(file.info("base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight") == nil)
        #expect(file.tensorNames.count == 12)
        let config = try JSONValue.parse(string: String(contentsOfFile: dir + "/adapter_config.json", encoding: .utf8))
        #expect(config["peft_type"]?.string == "LORA" && config["task_type"]?.string == "CAUSAL_LM")
        #expect(config["r"]?.int == 4 && config["lora_alpha"]?.int == 8 && config["lora_dropout"]?.double == 0.05)
        #expect(config["target_modules"]?.array?.compactMap(\.string) == ["q_proj", "v_proj", "down_proj"])
        #expect(config["use_rslora"]?.bool == false)

        let other = try TrainableDecoder(model: TrainSupport.randomModel(c),
                                         lora: LoRAConfig(rank: 4, alpha: 8, targets: .suffixes(["q_proj", "v_proj", "down_proj"]), seed: 77))
        try PEFTAdapter.load(into: other, from: dir)
        for (a, b) in zip(d.loraModules, other.loraModules) {
            #expect(a.adapter.a.array == b.adapter.a.array && a.adapter.b.array == b.adapter.b.array)
        }
    }

    @Test("with B = 0 the adapted model's logits equal the base model's")
    func zeroBMatchesBase() throws {
        let c = TrainSupport.config()
        let model = TrainSupport.randomModel(c)
        let tokens = [1, 4, 9, 15, 2, 7]
        let base = try model.logits(tokens: tokens)
        let d = try TrainableDecoder(model: model, lora: LoRAConfig(rank: 4, alpha: 8, seed: 3))
        let adapted = try d.logits(SFTData.collate([TrainingSample(tokens: tokens)], padId: 0))
        #expect(adapted.count == base.count)
        for (a, b) in zip(adapted, base) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b))) }
        // And a non-zero B changes them, while merging B·A·scale into the base reproduces them.
        TrainSupport.randomizeB(d)
        let changed = try d.logits(SFTData.collate([TrainingSample(tokens: tokens)], padId: 0))
        #expect(zip(changed, base).contains { abs($0 - $1) > 1e-3 })
        for m in d.loraModules {
            let suffix = String(m.module.split(separator: ".").suffix(2).joined(separator: ".")) + ".weight"
            let weight = model.blocks[m.layer].named.first { $0.suffix == suffix }!.buffer
            m.adapter.merge(into: weight.pointer)
        }
        let merged = try model.logits(tokens: tokens)
        for (a, b) in zip(changed, merged) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b))) }
    }

    @Test("a LLaVA decoder exports under transformers' in-memory names with a language-model-only regex")
    func llavaNames() throws {
        let d = try TrainableDecoder(model: TrainSupport.randomModel(TrainSupport.config()), names: .llavaSaved,
                                     lora: LoRAConfig(rank: 2, targets: .suffixes(["q_proj", "down_proj"])))
        #expect(d.loraModules.first?.module == "language_model.model.layers.0.self_attn.q_proj")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-peft-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PEFTAdapter.write(d, to: dir)
        let file = try SafetensorsFile(path: dir + "/adapter_model.safetensors")
        #expect(file.info("base_model.model.model.language_model.layers.1.mlp.down_proj.lora_B.weight")?.shape == [8, 2])
        let config = try JSONValue.parse(string: String(contentsOfFile: dir + "/adapter_config.json", encoding: .utf8))
        let pattern = try #require(config["target_modules"]?.string)
        let targets = LoRATargets.regex(pattern)
        #expect(try targets.matches("model.language_model.layers.12.self_attn.q_proj"))
        #expect(try targets.matches("model.language_model.layers.0.mlp.down_proj"))
        #expect(try !targets.matches("model.language_model.layers.0.self_attn.k_proj"))
        #expect(try !targets.matches("model.vision_tower.vision_model.encoder.layers.0.self_attn.q_proj"))
        try PEFTAdapter.load(into: d, from: dir)
    }
}
