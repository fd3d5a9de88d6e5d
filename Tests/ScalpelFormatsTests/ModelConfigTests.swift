import Foundation
import Testing
@testable import ScalpelFormats

/// `config.json` in both transformers spellings, GGUF metadata, and broken files.
/// Expected values were checked against transformers 5.24 reading the same fixtures.
@Suite struct ModelConfigTests {
    func load(_ name: String) throws -> ModelConfig {
        try ModelConfig(contentsOf: TokenizerFixtures.url("configs/\(name)"))
    }

    @Test func llamaClassic() throws {
        let config = try load("llama_classic.json")
        let t = config.text
        #expect(config.modelType == "llama" && config.vision == nil && config.llava == nil)
        #expect(t.vocabSize == 128_256 && t.hiddenSize == 2048 && t.intermediateSize == 8192)
        #expect(t.numHiddenLayers == 16 && t.numAttentionHeads == 32 && t.numKeyValueHeads == 8)
        #expect(t.headDim == 64 && t.groupSize == 4)
        #expect(t.ropeTheta == 500_000)
        #expect(t.ropeScaling == ModelConfig.RopeScaling(type: "llama3", factor: 32, lowFreqFactor: 1, highFreqFactor: 4,
                                                          originalMaxPositionEmbeddings: 8192))
        #expect(t.maxPositionEmbeddings == 131_072)
        #expect(t.tieWordEmbeddings)
        #expect(t.bosTokenId == 128_000 && t.eosTokenIds == [128_001, 128_008, 128_009] && t.padTokenId == nil)
        #expect(t.dtype == "bfloat16" && t.hiddenAct == "silu" && t.rmsNormEps == 1e-5)
        #expect(!t.attentionBias && !t.mlpBias)
    }

    /// transformers 5 writes only `rope_parameters`: its theta must be read, not the 10000 default.
    @Test func llamaTransformers5() throws {
        let t = try load("llama_transformers5.json").text
        #expect(t.ropeTheta == 100_000)
        #expect(t.ropeScaling == nil)
        #expect(t.dtype == "bfloat16")
        #expect(t.numKeyValueHeads == 3 && t.headDim == 64 && t.padTokenId == 2)
    }

    @Test func classicRopeScalingWinsLikeTransformers() throws {
        let t = try load("llama_linear_rope.json").text
        #expect(t.ropeScaling == ModelConfig.RopeScaling(type: "linear", factor: 2))
        #expect(t.ropeTheta == 10000)
        #expect(t.headDim == 24 && t.numKeyValueHeads == 4)
        #expect(t.attentionBias && t.mlpBias)
        #expect(t.bosTokenId == nil && t.eosTokenIds.isEmpty && t.padTokenId == nil)
        #expect(t.rmsNormEps == 1e-6 && t.maxPositionEmbeddings == 2048)
    }

    /// LLaVA-1.5-7B's published config leaves the decoder shape to LlamaConfig's defaults.
    @Test func llavaClassic() throws {
        let config = try load("llava_classic.json")
        let l = try #require(config.llava)
        #expect(config.modelType == "llava")
        #expect(l.text.hiddenSize == 4096 && l.text.numHiddenLayers == 32 && l.text.intermediateSize == 11008)
        #expect(l.text.numAttentionHeads == 32 && l.text.numKeyValueHeads == 32 && l.text.headDim == 128)
        #expect(l.text.vocabSize == 32064 && l.text.maxPositionEmbeddings == 4096 && l.text.rmsNormEps == 1e-5)
        #expect(l.text.ropeTheta == 10000 && l.text.dtype == "float16" && !l.text.tieWordEmbeddings)
        #expect(l.text.padTokenId == nil && l.text.bosTokenId == 1 && l.text.eosTokenIds == [2])
        #expect(l.vision == ModelConfig.CLIPVision(hiddenSize: 1024, intermediateSize: 4096, numHiddenLayers: 24, numAttentionHeads: 16,
                                                  imageSize: 336, patchSize: 14, numChannels: 3, layerNormEps: 1e-5,
                                                  hiddenAct: "quick_gelu", projectionDim: 768))
        #expect(l.vision.numPatches == 576)
        #expect(l.imageTokenIndex == 32000 && l.projectorHiddenAct == "gelu")
        #expect(l.visionFeatureLayers == [-2] && l.visionFeatureLayer == -2)
        #expect(l.visionFeatureSelectStrategy == "default" && l.imageSeqLength == 576 && l.multimodalProjectorBias)
    }

    @Test func llavaTransformers5() throws {
        let l = try #require(try load("llava_transformers5.json").llava)
        #expect(l.imageTokenIndex == 99)
        #expect(l.visionFeatureLayers == [-2, -1] && l.visionFeatureLayer == nil)
        #expect(l.visionFeatureSelectStrategy == "full" && l.imageSeqLength == 16 && !l.multimodalProjectorBias)
        #expect(l.text.headDim == 16 && l.text.numKeyValueHeads == 2 && l.text.tieWordEmbeddings)
        // the top-level dtype stands for the decoder when its own is absent
        #expect(l.text.dtype == "float32")
        #expect(l.vision.imageSize == 28 && l.vision.patchSize == 7 && l.vision.numPatches == 16)
    }

    /// The checkpoints other suites test against read too.
    @Test(arguments: ["llama-fp32", "llama-rope-llama3", "llama-rope-linear", "llava-classic"])
    func modelFixtures(name: String) throws {
        let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ScalpelModelsTests/Fixtures/models/\(name)/config.json")
        try #require(FileManager.default.fileExists(atPath: url.path), "no \(url.path)")
        let config = try ModelConfig(contentsOf: url)
        #expect(config.text.hiddenSize == 64)
        if name == "llama-rope-llama3" {
            #expect(config.text.ropeScaling?.type == "llama3" && config.text.ropeTheta == 500_000)
        }
    }

    @Test(arguments: [
        ("llama_missing_hidden.json", ["missing required key hidden_size"]),
        ("llama_hidden_string.json", ["hidden_size", "expected an integer, found a string"]),
        ("llama_heads_not_dividing.json", ["num_attention_heads", "5 heads do not divide hidden_size 64"]),
        ("llama_kv_not_dividing.json", ["num_key_value_heads", "3 key/value heads do not divide"]),
        ("llama_zero_layers.json", ["num_hidden_layers", "must be positive, found 0"]),
        ("llama_theta_string.json", ["rope_parameters.rope_theta", "expected a number"]),
        ("llava_missing_vision.json", ["missing required key vision_config"]),
        ("llava_text_bad_kv.json", ["text_config.num_key_value_heads", "must be positive"]),
        ("unknown_model_type.json", ["model_type", "gpt_neox"]),
        ("not_json.json", ["invalid JSON at line 2, column 20", "expected a string key"]),
    ])
    func brokenConfigsNameFileAndKey(name: String, parts: [String]) {
        do {
            _ = try load("broken/\(name)")
            Issue.record("\(name): expected a FormatError")
        } catch let e as FormatError {
            #expect(e.file.hasSuffix("configs/broken/\(name)"))
            #expect(e.description.hasPrefix(e.file + ": "))
            for p in parts where !e.problem.contains(p) {
                Issue.record("\(name): \"\(e.problem)\" lacks \"\(p)\"")
            }
        } catch {
            Issue.record("\(name): unexpected \(error)")
        }
    }

    static func smolLM2Metadata() -> [String: GGUFValue] {
        [
            "general.architecture": .string("llama"),
            "llama.block_count": .uint32(30),
            "llama.context_length": .uint32(8192),
            "llama.embedding_length": .uint32(576),
            "llama.feed_forward_length": .uint32(1536),
            "llama.attention.head_count": .uint32(9),
            "llama.attention.head_count_kv": .uint32(3),
            "llama.rope.freq_base": .float32(100_000),
            "llama.attention.layer_norm_rms_epsilon": .float32(1e-5),
            "llama.vocab_size": .uint32(49152),
            "llama.rope.dimension_count": .uint32(64),
            "tokenizer.ggml.bos_token_id": .uint32(1),
            "tokenizer.ggml.eos_token_id": .uint32(2),
            "tokenizer.ggml.padding_token_id": .uint32(2),
        ]
    }

    @Test func ggufMetadata() throws {
        var m = Self.smolLM2Metadata()
        var t = try ModelConfig(ggufMetadata: m, hasOutputTensor: false).text
        #expect(t.numHiddenLayers == 30 && t.hiddenSize == 576 && t.numKeyValueHeads == 3 && t.headDim == 64)
        #expect(t.ropeTheta == 100_000 && t.tieWordEmbeddings && t.vocabSize == 49152 && t.maxPositionEmbeddings == 8192)
        #expect(t.eosTokenIds == [2] && t.hiddenAct == "silu" && t.ropeScaling == nil)

        // no vocab_size: the token list's length; no kv count: as many as heads; an output tensor: untied
        m["llama.vocab_size"] = nil
        m["llama.attention.head_count_kv"] = nil
        m["llama.rope.dimension_count"] = nil
        m["tokenizer.ggml.tokens"] = .array(Array(repeating: .string("x"), count: 49152))
        m["llama.rope.scaling.type"] = .string("linear")
        m["llama.rope.scaling.factor"] = .float32(4)
        t = try ModelConfig(ggufMetadata: m, hasOutputTensor: true).text
        #expect(t.vocabSize == 49152 && t.numKeyValueHeads == 9 && t.headDim == 64 && !t.tieWordEmbeddings)
        #expect(t.ropeScaling == ModelConfig.RopeScaling(type: "linear", factor: 4))

        m["llama.block_count"] = nil
        #expect(throws: FormatError(file: "x.gguf", "missing required key llama.block_count")) {
            try ModelConfig(ggufMetadata: m, hasOutputTensor: true, file: "x.gguf")
        }
        m["llama.block_count"] = .uint32(30)
        m["llama.attention.head_count_kv"] = .uint32(4)
        #expect(throws: FormatError.self) { try ModelConfig(ggufMetadata: m, hasOutputTensor: true) }
        m["general.architecture"] = .string("qwen2")
        #expect(throws: FormatError.self) { try ModelConfig(ggufMetadata: m, hasOutputTensor: true) }
    }

    @Test func jsonParser() throws {
        let v = try JSONValue.parse(string: #"{"a": [1, -2.5e3, true, null, "\u00e9\ud83d\ude00\n"], "b": {"c": 12345678901234}}"#)
        #expect(v["a"]?.array?[0] == .int(1))
        #expect(v["a"]?.array?[1] == .double(-2500))
        #expect(v["a"]?.array?[2] == .bool(true))
        #expect(v["a"]?.array?[3] == .null)
        #expect(v["a"]?.array?[4] == .string("é😀\n"))
        #expect(v["b"]?["c"]?.int == 12_345_678_901_234)
        #expect(JSONValue.double(3.0).int == 3 && JSONValue.double(3.5).int == nil)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"abc", "01x", "{\"a\":1}}", "tru"] {
            #expect(throws: FormatError.self, "\(bad.debugDescription) should not parse") { try JSONValue.parse(string: bad) }
        }
    }
}
