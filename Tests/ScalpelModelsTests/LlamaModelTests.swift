import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelModels

@Suite("LLaMA decoder against transformers")
struct LlamaModelTests {
    @Test("logits match transformers within 1e-4", arguments: [
        "llama-fp32", "llama-bf16", "llama-sharded", "llama-tied", "llama-rope-llama3", "llama-rope-linear",
    ])
    func logitsMatch(fixture: String) throws {
        let reference = try Fixtures.reference(fixture)
        let config = try Fixtures.config(fixture).text
        let source = try WeightSources.open(Fixtures.folder(fixture))
        let model = try LlamaModel(source: source, config: config)
        let logits = try model.logits(tokens: reference.tokens)
        let diff = Fixtures.maxAbsDiff(logits, reference.logits.flatMap { $0 })
        #expect(diff <= 1e-4, "max |Δ| = \(diff)")
    }

    @Test("incremental decoding with the KV cache equals the full forward pass")
    func kvCacheMatchesFullForward() throws {
        let fixture = "llama-fp32"
        let reference = try Fixtures.reference(fixture)
        let config = try Fixtures.config(fixture).text
        let model = try LlamaModel(source: try WeightSources.open(Fixtures.folder(fixture)), config: config)
        let cache = KVCache(config: config, capacity: 16)
        let tokens = reference.tokens
        // Prefill three tokens, then one at a time.
        var rows: [[Float]] = []
        var start = 0
        for chunk in [3, 1, 1, 2, 1] {
            let piece = Array(tokens[start..<(start + chunk)])
            let x = try model.embed(piece)
            try model.runDecoder(x, step: BlockStep(batch: 1, seqLen: chunk, past: start), cache: cache)
            let out = FloatBuffer(count: chunk * config.vocabSize)
            model.logits(hidden: x.pointer, rows: chunk, into: out.pointer)
            for r in 0..<chunk { rows.append(Array(out.array[(r * config.vocabSize)..<((r + 1) * config.vocabSize)])) }
            start += chunk
        }
        #expect(cache.length == tokens.count)
        let diff = Fixtures.maxAbsDiff(rows.flatMap { $0 }, reference.logits.flatMap { $0 })
        #expect(diff <= 1e-4, "max |Δ| = \(diff)")
    }

    @Test("a config that does not match the weights is a clear error naming both")
    func mismatchedConfig() throws {
        let fixture = "llama-fp32"
        var config = try Fixtures.config(fixture).text
        let source = try WeightSources.open(Fixtures.folder(fixture))
        config.numHiddenLayers = 3
        #expect(throws: FormatError.self) { try LlamaModel(source: source, config: config) }
        do {
            _ = try LlamaModel(source: source, config: config)
        } catch let error as FormatError {
            #expect(error.description.contains("model.layers.2.input_layernorm.weight"))
            #expect(error.description.contains("3 layers"))
        }
        config.numHiddenLayers = 2
        config.intermediateSize = 128
        do {
            _ = try LlamaModel(source: source, config: config)
            Issue.record("expected a shape error")
        } catch let error as FormatError {
            #expect(error.description.contains("has shape [160, 64] but"), "\(error)")
        }
    }

    @Test("token ids outside the vocabulary are an error, not a crash")
    func badTokenId() throws {
        let fixture = "llama-fp32"
        let config = try Fixtures.config(fixture).text
        let model = try LlamaModel(source: try WeightSources.open(Fixtures.folder(fixture)), config: config)
        #expect(throws: ModelError.self) { try model.logits(tokens: [1, 96]) }
        #expect(throws: ModelError.self) { try model.logits(tokens: [-1]) }
    }
}
