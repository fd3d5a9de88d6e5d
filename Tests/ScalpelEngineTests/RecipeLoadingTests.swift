import Foundation
import Testing
import ScalpelCompress
import ScalpelTrain
@testable import ScalpelEngine

@Suite struct RecipeLoadingTests {
    static func fullRecipe(model: String = RecipeFixture.llama) -> String {
        """
        name: tiny-drop1-w4
        backend: swift
        seed: 7
        model: \(model)
        calibration:
          domain: data/domain.json
          general: ./data/general.txt
          samples: 16
          seq_len: 32
        importance:
          criteria: [block_influence, angular]
          lambda: 0.5
          base: loo_ppl
        prune:
          count: 1
          criterion: domain_contrast
        sft:
          data: data/train.json
          validation: data/val.json
          method: lora
          lora: {r: 4, alpha: 8, dropout: 0.1, rslora: true, targets: [q_proj, v_proj]}
          steps: 50
          batch_size: 2
          grad_accum: 3
          lr: 1.0e-4
          warmup: 5
          weight_decay: 0.01
          max_grad_norm: 0
          seq_len: 64
          eval_every: 10
          checkpoint_every: 25
        quantize:
          method: gptq
          bits: 4
          group_size: 32
          symmetric: true
          keep_fp16: [embed_tokens, lm_head]
          samples: 8
          act_order: true
        eval:
          - name: test
            data: data/test.json
            metrics: [accuracy, perplexity]
            limit: 20
          - data: data/val.json
            metrics: [perplexity]
        baseline: true
        export:
          formats: [hf, awq, gguf]

        """
    }

    @Test func aFullRecipeLoadsEverySetting() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let r = try Recipe.load(path: try fx.write(Self.fullRecipe()))
        let data = fx.folder + "/data/"
        #expect(r.name == "tiny-drop1-w4")
        #expect(r.seed == 7)
        #expect(r.model == RecipeFixture.llama)
        #expect(r.calibration == Recipe.Calibration(domain: data + "domain.json", general: data + "general.txt", samples: 16, seqLen: 32))
        // The count's criterion joins the importance criteria.
        #expect(r.importance == Recipe.Importance(criteria: [.blockInfluence, .angular, .domainContrast], lambda: 0.5, base: .looPPL))
        #expect(r.prune == Recipe.Prune(selection: .count(1, criterion: .domainContrast)))
        let s = try #require(r.sft)
        #expect(s.data == data + "train.json" && s.validation == data + "val.json")
        #expect(s.lora == Recipe.SFT.LoRA(rank: 4, alpha: 8, dropout: 0.1, rsLoRA: true, targets: .suffixes(["q_proj", "v_proj"])))
        #expect(s.steps == 50 && s.batchSize == 2 && s.gradAccum == 3 && s.learningRate == 1e-4 && s.warmup == 5)
        #expect(s.weightDecay == 0.01 && s.maxGradNorm == nil && s.seqLen == 64 && s.evalEvery == 10 && s.checkpointEvery == 25)
        #expect(r.quantize == Recipe.Quantize(method: .gptq, scheme: QuantScheme(bits: 4, groupSize: 32, symmetric: true),
                                              keepFP16: ["embed_tokens", "lm_head"], samples: 8, actOrder: true))
        #expect(r.evaluations == [
            Recipe.Evaluation(name: "test", data: data + "test.json", metrics: [.accuracy, .perplexity], limit: 20),
            Recipe.Evaluation(name: "val", data: data + "val.json", metrics: [.perplexity], limit: nil),
        ])
        #expect(r.baseline)
        #expect(r.export == Recipe.Export(formats: [.hf, .awq, .gguf]))
    }

    @Test func aValidRecipeRoundTripsThroughItsYAML() throws {
        let fx = try RecipeFixture(), elsewhere = try RecipeFixture("copy")
        defer { fx.remove(); elsewhere.remove() }
        for text in [Self.fullRecipe(), "model: \(RecipeFixture.llama)\nprune: {drop: [1]}\nquantize: {method: rtn, group_size: 0}\n"] {
            let r = try Recipe.load(path: try fx.write(text))
            let dumped = r.yamlText()
            // Read back from another folder: the paths are absolute, so they still resolve.
            let again = try Recipe.load(path: try elsewhere.write(dumped, as: "run-copy.yaml"))
            #expect(again == r)
            #expect(again.yamlText() == dumped)
        }
    }

    @Test func onlyTheModelIsRequired() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let r = try Recipe.load(path: try fx.write("model: \(RecipeFixture.llama)\n", as: "just-model.yaml"))
        #expect(r == Recipe(name: "just-model", model: RecipeFixture.llama))
        #expect(r.path == fx.folder + "/just-model.yaml")
    }

    @Test func groupSizeZeroIsPerChannel() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let r = try Recipe.load(path: try fx.write("model: \(RecipeFixture.llama)\nquantize: {method: rtn, bits: 8, group_size: 0}\n"))
        #expect(r.quantize?.scheme == QuantScheme(bits: 8, groupSize: nil, symmetric: false))
    }

    @Test func loraTargetsMayBeOneRegularExpression() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let r = try Recipe.load(path: try fx.write("""
            model: \(RecipeFixture.llava)
            sft: {data: data/train.json, lora: {targets: '.*language_model.*\\.(q_proj|v_proj)'}}
            """))
        #expect(r.sft?.lora.targets == .regex(".*language_model.*\\.(q_proj|v_proj)"))
    }

    /// The ten kinds of mistake in one recipe, each reported at its value.
    @Test func oneMistakeOfEachKindReportsAllTen() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let text = """
            name: ten-mistakes
            model: \(RecipeFixture.llama)
            calibration:
              domain: data/domain.json
              samples: 0
            importance:
              criteria: [block_influence, angualr]
            prune:
              drop: [1, 5]
            sft:
              data: data/train.json
              validation: data/missing-val.json
              batch_size: four
              warmpu: 5
              lora:
                targets: [q_proj, v_prj]
            quantize:
              method: awq
              bits: 8
              group_size: 64
            export:
              formats: [hf, awq, gguf]

            """
        let f = fx.folder + "/recipe.yaml"
        #expect(try fx.diagnostics(text) == [
            "\(f):5:12: calibration.samples must be at least 1 (got 0)",
            "\(f):7:31: unknown criterion 'angualr' (did you mean 'angular'?)",
            "\(f):9:13: block 5 does not exist (the decoder has 2 blocks, 0–1)",
            "\(f):12:15: sft.validation: no such file or folder 'data/missing-val.json' (looked for \(fx.folder)/data/missing-val.json; paths are relative to the recipe's folder)",
            "\(f):13:15: sft.batch_size must be an integer (got 'four')",
            "\(f):14:3: unknown key 'warmpu' in sft (did you mean 'warmup'?)",
            "\(f):16:23: LoRA target 'v_prj' matches no module of the decoder (did you mean 'v_proj'?)",
            "\(f):20:15: quantize.group_size 64 does not divide the 160 inputs of down_proj (choose a group size that divides every width: 32)",
            "\(f):22:17: export format awq holds 4-bit weights only; quantize.bits is 8 (set bits: 4, or export gguf or hf)",
            "\(f):22:22: export format gguf stores groups of 32 weights; quantize.group_size is 64 (set group_size: 32, or export awq or hf)",
        ])
        // And nothing is returned to run.
        #expect(throws: RecipeError.self) { try Recipe.load(path: f) }
    }

    @Test func yamlSyntaxErrorsCarryLineAndColumn() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        // An unclosed flow list: the parser notices at the ':' of the next line.
        #expect(try fx.diagnostics("model: x\nprune:\n  drop: [1, 2\nsft: {}\n") == [
            "\(f):4:4: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at 3:9)",
        ])
        // A key indented deeper than its siblings, on line 4.
        #expect(try fx.diagnostics("model: x\nquantize:\n  bits: 4\n   group_size: 32\n") == [
            "\(f):4:14: YAML syntax: mapping values are not allowed in this context",
        ])
        #expect(try fx.diagnostics("model: x\nmodel: y\n") == ["\(f):1:1: duplicate key 'model' (first written here, then again in the same section; keep one)"])
    }

    @Test func unknownKeysAndNamesSuggestTheClosest() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        #expect(try fx.diagnostics("model: \(RecipeFixture.llama)\nqunatize: {method: rtn}\n") == [
            "\(f):2:1: unknown key 'qunatize' (did you mean 'quantize'?)",
        ])
        #expect(try fx.diagnostics("model: \(RecipeFixture.llama)\nquantize: {method: awk, sample: 4, group_size: 32}\ncalibration: {domain: data/domain.json}\n") == [
            "\(f):2:20: unknown quantization method 'awk' (did you mean 'awq'?)",
            "\(f):2:25: unknown key 'sample' in quantize (did you mean 'samples'?)",
        ])
        #expect(try fx.diagnostics("model: \(RecipeFixture.llama)\ncolour: blue\nsft: {data: data/train.json, method: adapters}\n") == [
            "\(f):2:1: unknown key 'colour' (expected one of: name, backend, remote, seed, model, calibration, importance, prune, sft, quantize, eval, baseline, export, torch)",
            "\(f):3:38: unknown sft method 'adapters' (choose one of: lora, full)",
        ])
        // A key of another section says where it belongs.
        #expect(try fx.diagnostics("model: \(RecipeFixture.llama)\nsft: {data: data/train.json, group_size: 32}\nbits: 4\n") == [
            "\(f):2:30: unknown key 'group_size' in sft ('group_size' belongs in quantize)",
            "\(f):3:1: unknown key 'bits' ('bits' belongs in quantize)",
        ])
    }

    @Test func inconsistentSectionsAreReported() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let f = fx.folder + "/recipe.yaml"
        let m = "model: \(RecipeFixture.llama)\n"
        #expect(try fx.diagnostics(m + "prune: {drop: [0], count: 1, criterion: angular}\n") == [
            "\(f):2:27: prune has both 'drop' and 'count' (list the blocks to drop, or give a count and a criterion, not both)",
        ])
        #expect(try fx.diagnostics(m + "calibration: {domain: data/domain.json}\nprune: {count: 1}\n") == [
            "\(f):3:16: prune.count needs prune.criterion (the criterion whose lowest-scoring blocks are dropped, e.g. block_influence)",
        ])
        #expect(try fx.diagnostics(m + "prune: {count: 1, criterion: angular}\n") == [
            "\(f):2:9: prune.count needs calibration data to score blocks (add calibration: {domain: FILE})",
        ])
        #expect(try fx.diagnostics(m + "sft: {data: data/train.json, steps: 10, warmup: 10}\n") == [
            "\(f):2:49: sft.warmup (10) must be less than sft.steps (10)",
        ])
        #expect(try fx.diagnostics(m + "export: {formats: [awq]}\n") == [
            "\(f):2:20: export format awq needs quantized weights, but the recipe has no quantize section (add quantize: {method: rtn, bits: 4}, or export hf)",
        ])
        #expect(try fx.diagnostics(m + "quantize: {method: rtn, bits: 8, group_size: 32}\nexport: {formats: [gguf]}\n") == [
            "\(f):3:20: export format gguf stores 8 bits as Q8_0, which is symmetric; quantize.symmetric is false (set symmetric: true)",
        ])
        #expect(try fx.diagnostics("seed: -1\n") == [
            "\(f):1:1: missing key 'model' (the Hugging Face folder or .gguf file to compress)",
            "\(f):1:7: seed must be at least 0 (got -1)",
        ])
    }

    @Test func theExampleIsValidApartFromItsPlaceholderPaths() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        // The fixture folder holds the example's data files (data/domain.json, …), not its model.
        let f = fx.folder + "/recipe.yaml"
        #expect(try fx.diagnostics(Recipe.exampleText, checkModel: false) == [
            "\(f):8:8: model: no such file or folder 'models/llava-1.5-7b-hf' (looked for \(fx.folder)/models/llava-1.5-7b-hf; paths are relative to the recipe's folder)",
        ])
    }

    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("warmpu", "warmup") == 2)
        #expect(closestMatch(to: "warmpu", among: Recipe.Keys.sft) == "warmup")
        #expect(closestMatch(to: "zzz", among: Recipe.Keys.sft) == nil)
    }
}
