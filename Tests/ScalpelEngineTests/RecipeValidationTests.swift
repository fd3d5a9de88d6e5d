import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
import ScalpelCompress
@testable import ScalpelEngine

/// Checks against the model's configuration, on the 2-block test decoder (hidden 64, 4 heads × 16,
/// intermediate 160) and the 2-block LLaVA fixture.
@Suite struct RecipeValidationTests {
    let m = "model: \(RecipeFixture.llama)\n"

    @Test func droppingEveryBlockOrCountingThemAllIsRefused() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        #expect(try fx.diagnostics(m + "prune:\n  drop: [1, 0]\n") == [
            "\(f):3:9: prune.drop removes all 2 blocks of the decoder (keep at least one block)",
        ])
        #expect(try fx.diagnostics(m + "calibration: {domain: data/domain.json}\nprune: {count: 2, criterion: magnitude}\n") == [
            "\(f):3:16: prune.count 2 would drop every block (the decoder has 2) (choose at most 1)",
        ])
        #expect(try fx.diagnostics(m + "prune: {drop: [1, 1]}\n") == ["\(f):2:19: block 1 is listed twice in prune.drop"])
        #expect(try fx.diagnostics(m + "prune: {drop: [1]}\n").isEmpty)
    }

    @Test func theGroupSizeMustDivideEveryQuantizedWidth() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        // The default group (128) is reported at the quantize section that implies it.
        #expect(try fx.diagnostics(m + "quantize:\n  method: rtn\n") == [
            "\(f):3:3: quantize.group_size 128 does not divide the 64 inputs of q/k/v/gate/up_proj (choose a group size that divides every width: 32)",
        ])
        #expect(try fx.diagnostics(m + "quantize: {method: rtn, group_size: 32}\n").isEmpty)
        #expect(try fx.diagnostics(m + "quantize: {method: rtn, group_size: 0}\n").isEmpty)
        #expect(try fx.diagnostics(m + "quantize: {method: rtn, group_size: 48}\n") == [
            "\(f):2:37: quantize.group_size 48 is not supported (choose 32, 64, 128, or 0 for one group per row)",
        ])
    }

    @Test func awqExportNeedsEveryPartOutsideTheBlocksKeptInFP16() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        let q = "quantize: {method: rtn, group_size: 32, keep_fp16: [lm_head]}\nexport: {formats: [hf, awq]}\n"
        #expect(try fx.diagnostics(m + q) == [
            "\(f):3:24: export format awq cannot carry a quantized embed_tokens (AutoAWQ's GEMM layout quantizes only the decoder's linears) (add embed_tokens to quantize.keep_fp16, or export gguf or hf)",
        ])
        #expect(try fx.diagnostics("model: \(RecipeFixture.llava)\n" + q).first?.contains("quantized embed_tokens, vision_tower, projector") == true)
        #expect(try fx.diagnostics(m + "quantize: {method: rtn, group_size: 32, keep_fp16: [lm_head]}\nexport: {formats: [hf, gguf]}\n").isEmpty)
        // Tied embeddings and head are one tensor.
        let tied = "model: \(RecipeFixture.models)/llama-tied\n"
        #expect(try fx.diagnostics(tied + "quantize: {method: rtn, group_size: 32, keep_fp16: [lm_head]}\n") == [
            "\(f):2:52: the model's embeddings and LM head are one tied tensor: quantize.keep_fp16 must list both or neither",
        ])
        #expect(try fx.diagnostics(tied + "quantize: {method: rtn, group_size: 32, keep_fp16: []}\nexport: {formats: [awq]}\n").first?.contains("quantized embed_tokens (") == true)
    }

    @Test func loraTargetsMustMatchADecoderModule() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        let sft = "sft:\n  data: data/train.json\n  lora:\n"
        #expect(try fx.diagnostics(m + sft + "    targets: [mlp.up_proj, self_attn.o_proj, gate_proj]\n").isEmpty)
        #expect(try fx.diagnostics(m + sft + "    targets: [query, q_proj]\n") == [
            "\(f):5:15: LoRA target 'query' matches no module of the decoder (the decoder's linears are q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)",
        ])
        #expect(try fx.diagnostics(m + sft + "    targets: 'model\\.layers\\.\\d+\\.attn\\..*'\n") == [
            "\(f):5:14: LoRA target pattern 'model\\.layers\\.\\d+\\.attn\\..*' matches no module of the decoder (module names look like model.layers.0.self_attn.q_proj)",
        ])
        #expect(try fx.diagnostics(m + sft + "    targets: 'model\\.layers\\.\\d+\\.self_attn\\..*'\n").isEmpty)
        // LLaVA's saved layout puts the decoder under language_model.
        let llava = "model: \(RecipeFixture.llava)\n"
        #expect(try fx.diagnostics(llava + sft + "    targets: 'language_model\\.model\\.layers\\.1\\.mlp\\.down_proj'\n").isEmpty)
        #expect(try fx.diagnostics(llava + sft + "    targets: '(?!x)x'\n").count == 1)
    }

    @Test func fullFineTuningPartsAreThoseTheTrainerTakes() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        let sft = "sft: {data: data/train.json, method: full, full: {parts: [decoder, projector]}}\n"
        let refused = "\(f):2:68: sft.full.parts 'projector': full fine-tuning of the projector is not supported by sft yet "
            + "(parts: decoder, blocks, blocks.N, blocks.A-B, embeddings, lm_head, norm, all)"
        #expect(try fx.diagnostics(m + sft) == [refused])
        #expect(try fx.diagnostics("model: \(RecipeFixture.llava)\n" + sft) == [refused])
        let supported = "sft: {data: data/train.json, method: full, full: {parts: [decoder, embeddings, lm_head]}}\n"
        #expect(try fx.diagnostics(m + supported).isEmpty)
        #expect(try fx.diagnostics("model: \(RecipeFixture.llava)\n" + supported).isEmpty)
    }

    @Test func sequencesMustFitTheModelsPositions() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        #expect(try fx.diagnostics(m + "sft: {data: data/train.json, seq_len: 512}\n") == [
            "\(f):2:39: sft.seq_len 512 exceeds the model's 256 positions",
        ])
    }

    @Test func anUnreadableModelIsOneDiagnosticAtItsPath() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        #expect(try fx.diagnostics("model: data\n") == [
            "\(f):1:8: cannot read the model: \(fx.folder)/data: the folder has no config.json (expected a Hugging Face model folder)",
        ])
        #expect(try fx.diagnostics("model: data\n", checkModel: false).isEmpty)
    }

    @Test func validateTakesAConfigDirectly() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let recipe = try Recipe.load(path: try fx.write(m + "prune: {drop: [1]}\n"))
        let checkpoint = try Checkpoint.open(RecipeFixture.llama)
        #expect(recipe.validate(against: checkpoint).isEmpty)
        var deeper = recipe
        deeper.prune = Recipe.Prune(selection: .blocks([0, 1, 2]))
        #expect(deeper.validate(config: checkpoint.config).map(\.message) == ["block 2 does not exist"])
    }

    /// docs/recipes/llava-1.5-7b-study.yaml against LLaVA-1.5-7B's configuration: only the files the user
    /// provides are missing, and every model check passes (7 of 32 blocks, g128 on 4096/11008, LoRA targets).
    @Test func theStudyRecipeFitsLLaVA7B() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("docs/recipes/llava-1.5-7b-study.yaml").path
        let (recipe, diagnostics) = Recipe.check(path: path, checkModel: false)
        let r = try #require(recipe)
        #expect(diagnostics.count == 6)
        #expect(diagnostics.allSatisfy { $0.message.contains("no such file or folder") })
        let config = try ModelConfig(contentsOf: root.appendingPathComponent("docs/quantization/llava-1.5-7b-config.json"))
        #expect(config.text.numHiddenLayers == 32)
        #expect(r.validate(config: config, names: .llavaSaved).isEmpty)
        #expect(r.prune == Recipe.Prune(selection: .count(7, criterion: .domainContrast)))
        #expect(r.sft?.lora == Recipe.SFT.LoRA(rank: 32, alpha: 16, dropout: 0.05, rsLoRA: false, targets: .allLinear))
        #expect(r.quantize?.method == .awq && r.quantize?.scheme == QuantScheme(bits: 4, groupSize: 128, symmetric: false))
    }
}
