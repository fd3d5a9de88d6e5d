import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelModels

/// SmolLM2-135M-Instruct's Q4_1 GGUF run packed against the same file dequantized to f32.
@Suite("SmolLM2-135M packed", .enabled(if: RealModel.smolLM2 != nil, "SmolLM2 GGUF not in the model cache; run scripts/setup.sh"))
struct PackedSmolLM2Tests {
    @Test("every block linear is packed, logits match the dequantized model and greedy tokens are the same")
    func matchesDequantized() throws {
        let checkpoint = try Checkpoint.open(RealModel.smolLM2!)
        let packed = try checkpoint.loadPackedDecoder(), dense = try checkpoint.loadDecoder()
        let summary = packed.packedSummary
        #expect(summary.linears == 7 * packed.config.numHiddenLayers)
        #expect(packed.parameterCount == dense.parameterCount)
        // Q4_1: 20 bytes per 32 weights.
        #expect(summary.bytes == summary.parameters / 32 * 20)
        let tokens = try checkpoint.tokenizer().encode("Melanoma is a cancer of the pigment cells of the skin.")
        for prompt in [tokens, [tokens[0]]] {
            let a = try packed.logits(tokens: prompt), b = try dense.logits(tokens: prompt)
            let scale = b.map { abs($0) }.max()!
            let diff = zip(a, b).map { abs($0 - $1) }.max()! / scale
            #expect(diff <= 1e-4, "relative |Δ| \(diff) over \(prompt.count) tokens")
        }
        #expect(try GreedyDecoder(model: packed).generate(prompt: tokens, maxTokens: 24, stopIds: [])
                == GreedyDecoder(model: dense).generate(prompt: tokens, maxTokens: 24, stopIds: []))
    }
}
