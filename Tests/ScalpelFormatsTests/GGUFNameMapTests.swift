import Foundation
import Testing
@testable import ScalpelFormats

@Suite struct GGUFNameMapTests {
    static let pairs: [(String, String)] = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
        ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"),
        ("blk.1.attn_k.weight", "model.layers.1.self_attn.k_proj.weight"),
        ("blk.12.attn_v.weight", "model.layers.12.self_attn.v_proj.weight"),
        ("blk.3.attn_output.weight", "model.layers.3.self_attn.o_proj.weight"),
        ("blk.4.ffn_gate.weight", "model.layers.4.mlp.gate_proj.weight"),
        ("blk.5.ffn_up.weight", "model.layers.5.mlp.up_proj.weight"),
        ("blk.29.ffn_down.weight", "model.layers.29.mlp.down_proj.weight"),
        ("blk.7.attn_norm.weight", "model.layers.7.input_layernorm.weight"),
        ("blk.8.ffn_norm.weight", "model.layers.8.post_attention_layernorm.weight"),
        ("blk.2.attn_q.bias", "model.layers.2.self_attn.q_proj.bias"),
    ]

    @Test func namesBothWays() {
        for (g, h) in Self.pairs {
            #expect(GGUFNameMap.huggingFaceName(forGGUF: g) == h)
            #expect(GGUFNameMap.ggufName(forHuggingFace: h) == g)
        }
        for odd in ["rope_freqs.weight", "blk.x.attn_q.weight", "blk.01.attn_q.weight", "blk.-1.attn_q.weight",
                    "blk.0.attn_qq.weight", "blk.0.attn_q.scale", "token_embd", "", "blk.0.attn_q"] {
            #expect(GGUFNameMap.huggingFaceName(forGGUF: odd) == nil, "\(odd)")
        }
        for odd in ["model.layers.0.self_attn.rotary_emb.inv_freq", "model.layers.a.mlp.up_proj.weight", "vision_tower.x.weight"] {
            #expect(GGUFNameMap.ggufName(forHuggingFace: odd) == nil, "\(odd)")
        }
        #expect(GGUFNameMap.ropeRole(ofGGUF: "blk.3.attn_q.weight") == .query(layer: 3))
        #expect(GGUFNameMap.ropeRole(ofGGUF: "blk.4.attn_k.bias") == .key(layer: 4))
        #expect(GGUFNameMap.ropeRole(ofGGUF: "blk.4.attn_v.weight") == nil)
    }

    @Test func permutationMatchesTheConverterByHand() throws {
        // 2 heads of 4 rows, 1 column: the converter sends rows [0 1 2 3 | 4 5 6 7] to [0 2 1 3 | 4 6 5 7].
        let w: [Float] = [0, 1, 2, 3, 4, 5, 6, 7]
        let p = try #require(GGUFNameMap.permuteRows(w, rows: 8, cols: 1, heads: 2))
        #expect(p == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(GGUFNameMap.unpermuteRows(p, rows: 8, cols: 1, heads: 2) == w)
        // 1 head of 6 rows, 2 columns: rows [a b c d e f] → [a d b e c f].
        let m: [Float] = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        #expect(GGUFNameMap.permuteRows(m, rows: 6, cols: 2, heads: 1) == [0, 0, 3, 3, 1, 1, 4, 4, 2, 2, 5, 5])
        #expect(GGUFNameMap.permuteRows(w, rows: 8, cols: 1, heads: 3) == nil)
        #expect(GGUFNameMap.permuteRows(w, rows: 4, cols: 1, heads: 1) == nil)
        #expect(GGUFNameMap.unpermuteRows([], rows: 0, cols: 5, heads: 2) == [])
    }

    @Test func roundTripOnRandomShapes() {
        var rng = FormatsTesting.Rng(state: 3)
        for _ in 0..<20 {
            let heads = Int.random(in: 1...6, using: &rng)
            let headDim = 2 * Int.random(in: 1...5, using: &rng)
            let cols = Int.random(in: 1...7, using: &rng)
            let rows = heads * headDim
            let w = (0..<(rows * cols)).map { _ in Float.random(in: -1...1, using: &rng) }
            let p = GGUFNameMap.permuteRows(w, rows: rows, cols: cols, heads: heads)!
            #expect(GGUFNameMap.unpermuteRows(p, rows: rows, cols: cols, heads: heads) == w)
        }
    }

    @Test func tinyLlamaEqualsTheHuggingFaceWeights() throws {
        let source = try GGUFWeightSource(path: FormatsTesting.fixture("gguf/llama_tiny.gguf"))
        let hf = try SafetensorsFile(path: FormatsTesting.fixture("gguf/llama_tiny_hf.safetensors"))
        #expect(source.undoesRopePermutation)
        #expect(Set(source.tensorNames) == Set(hf.tensorNames))
        #expect(source.tensorNames.count == hf.tensorNames.count)
        for name in hf.tensorNames {
            #expect(source.info(name)?.shape == hf.tensor(name)?.shape, "\(name)")
            #expect(FormatsTesting.bitEqual(try source.floats(name), try hf.floats(name)), "\(name)")
        }
        #expect(source.info("model.layers.1.self_attn.q_proj.weight")?.dtype == "F16")
        #expect(source.ggufTensor("model.layers.0.self_attn.k_proj.weight")?.name == "blk.0.attn_k.weight")
        // Without un-permuting, Q differs.
        let raw = try GGUFWeightSource(file: source.file, undoRopePermutation: false)
        #expect(try raw.floats("model.layers.0.self_attn.q_proj.weight") != hf.floats("model.layers.0.self_attn.q_proj.weight"))
        #expect(try WeightSources.open(FormatsTesting.fixture("gguf/llama_tiny.gguf")) is GGUFWeightSource)
    }

    @Test func headCountsAreRequiredAndChecked() throws {
        func file(_ kvs: (inout GGUFBuilder) -> Void, rows: UInt64 = 8) throws -> GGUFFile {
            var b = GGUFBuilder()
            b.kv("general.architecture", string: "llama")
            kvs(&b)
            b.f32("blk.0.attn_q.weight", dims: [2, rows], values: [Float](repeating: 1, count: Int(2 * rows)))
            b.f32("blk.0.attn_k.weight", dims: [2, 4], values: [Float](repeating: 1, count: 8))
            return try GGUFFile(bytes: b.bytes(), name: "heads.gguf")
        }
        FormatsTesting.expectError("heads.gguf", "llama.attention.head_count is missing", "blk.0.attn_q.weight") {
            _ = try GGUFWeightSource(file: file { _ in })
        }
        FormatsTesting.expectError("'blk.0.attn_q.weight' has 8 rows, which 3 heads cannot split") {
            _ = try GGUFWeightSource(file: file { $0.kv("llama.attention.head_count", u32: 3) })
        }
        FormatsTesting.expectError("'blk.0.attn_k.weight' has 4 rows, which 4 heads cannot split", "head_count_kv") {
            _ = try GGUFWeightSource(file: file { $0.kv("llama.attention.head_count", u32: 4); $0.kv("llama.attention.head_count_kv", u32: 4) })
        }
        // head_count_kv falls back to head_count; per-layer arrays work.
        #expect(throws: Never.self) { try GGUFWeightSource(file: file({ $0.kv("llama.attention.head_count", u32: 2) })) }
        let perLayer = GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(1)) + GGUFBuilder.le(UInt32(2))
        #expect(throws: Never.self) {
            try GGUFWeightSource(file: file({ $0.kv("llama.attention.head_count", type: 9, perLayer) }))
        }
        // Other architectures are left alone.
        var b = GGUFBuilder()
        b.kv("general.architecture", string: "qwen2")
        b.f32("blk.0.attn_q.weight", dims: [1, 6], values: [1, 2, 3, 4, 5, 6])
        let qwen = try GGUFWeightSource(file: GGUFFile(bytes: b.bytes()))
        #expect(!qwen.undoesRopePermutation)
        #expect(try qwen.floats("model.layers.0.self_attn.q_proj.weight") == [1, 2, 3, 4, 5, 6])
    }

    @Test func collidingNamesAreRefused() throws {
        var b = GGUFBuilder()
        b.kv("general.architecture", string: "llama")
        b.f32("output.weight", dims: [1], values: [1])
        b.f32("lm_head.weight", dims: [1], values: [2])
        FormatsTesting.expectError("'output.weight' and 'lm_head.weight' both map to 'lm_head.weight'") {
            _ = try GGUFWeightSource(file: GGUFFile(bytes: b.bytes()))
        }
    }

    @Test func weightSourcesSniffsFilesWithoutAKnownExtension() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        try FormatsTesting.write(try FormatsTesting.fixtureBytes("gguf/llama_tiny.gguf"), to: dir + "/model.bin")
        try FormatsTesting.write(try FormatsTesting.fixtureBytes("safetensors/reference.safetensors"), to: dir + "/weights.bin")
        #expect(try WeightSources.open(dir + "/model.bin") is GGUFWeightSource)
        #expect(try WeightSources.open(dir + "/weights.bin") is SafetensorsFile)
        FormatsTesting.expectError("missing.gguf", "cannot open") { _ = try WeightSources.open(dir + "/missing.gguf") }
    }

    static var smolLM2Path: String {
        let cache = ProcessInfo.processInfo.environment["SCALPEL_CACHE"] ?? (NSHomeDirectory() + "/.cache/scalpel")
        return cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: smolLM2Path)))
    func realSmolLM2() throws {
        let source = try GGUFWeightSource(path: Self.smolLM2Path)
        let f = source.file
        #expect(f.architecture == "llama")
        #expect(f.metadata["llama.block_count"]?.int == 30)
        #expect(f.metadata["tokenizer.ggml.tokens"]?.array?.count == 49152)
        #expect(f.tensor("token_embd.weight")?.type == .q8_0)
        #expect(f.tensor("blk.0.attn_q.weight")?.type == .q4_1)
        #expect(source.info("model.embed_tokens.weight")?.shape == [49152, 576])
        #expect(source.info("model.layers.0.self_attn.k_proj.weight")?.shape == [192, 576])
        #expect(!source.contains("lm_head.weight"))
        #expect(source.tensorNames.allSatisfy { $0.hasPrefix("model.") })

        let slices = try SafetensorsFile(path: FormatsTesting.fixture("gguf/smollm2_slices.safetensors"))
        for name in slices.tensorNames {
            let want = try slices.floats(name)
            let got: [Float]
            if name == "model.embed_tokens.weight" {
                // Only the first rows: dequantize their blocks straight from the mapping.
                let t = try #require(source.ggufTensor(name))
                let raw = f.rawBytes(t)
                let rowBytes = t.byteCount / t.shape[0]
                got = try GGUFDequantizer.dequantize(t.type, bytes: UnsafeRawBufferPointer(rebasing: raw[0..<(3 * rowBytes)]), count: want.count)
            } else {
                got = Array(try source.floats(name).prefix(want.count))
            }
            #expect(FormatsTesting.bitEqual(got, want), "\(name)")
        }
    }
}
