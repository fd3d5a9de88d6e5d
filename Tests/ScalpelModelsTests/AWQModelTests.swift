import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelModels

/// The llama-awq fixture: llama-fp32 with every decoder linear quantized to 4 bits (group 32) and packed in
/// AutoAWQ's GEMM layout, reference logits from transformers on the weights dequantized in numpy
/// (scripts/fixtures/make_awq_fixtures.py).
@Suite("AWQ checkpoints")
struct AWQModelTests {
    static let linears = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                          "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]

    @Test("an AWQ folder opens through the AWQ source and its logits match transformers within 1e-4")
    func logitsMatch() throws {
        let checkpoint = try Checkpoint.open(Fixtures.folder("llama-awq"))
        let source = try #require(checkpoint.weights as? AWQWeightSource)
        #expect(source.linears.count == 2 * Self.linears.count)
        #expect(source.configuration.groupSize == 32)
        let reference = try Fixtures.reference("llama-awq")
        let model = try checkpoint.loadDecoder()
        let logits = try model.logits(tokens: reference.tokens)
        let diff = Fixtures.maxAbsDiff(logits, reference.logits.flatMap { $0 })
        print("llama-awq logits max |Δ| vs transformers = \(diff)")
        #expect(diff <= 1e-4, "max |Δ| = \(diff)")
    }

    @Test("dequantized weights are the fp32 weights within one quantization step, in [out, in] layout")
    func weightsNearOriginal() throws {
        let awq = try #require(try WeightSources.open(Fixtures.folder("llama-awq")) as? AWQWeightSource)
        let fp32 = try WeightSources.open(Fixtures.folder("llama-fp32"))
        for layer in 0..<2 {
            for linear in Self.linears {
                let name = "model.layers.\(layer).\(linear).weight"
                let info = try #require(awq.info(name))
                #expect(info.dtype == "AWQ4")
                #expect(info.shape == fp32.info(name)?.shape)
                let meta = try #require(awq.linears[name])
                let (n, k, g) = (meta.outFeatures, meta.inFeatures, meta.groupSize)
                let scales = try awq.packed(meta).scales                      // [K/g, N]
                let w = try awq.floats(name), original = try fp32.floats(name)
                var worstSteps: Float = 0
                for row in 0..<n {
                    for col in 0..<k {
                        let step = scales[col / g * n + row]
                        worstSteps = max(worstSteps, abs(w[row * k + col] - original[row * k + col]) / step)
                    }
                }
                #expect(worstSteps <= 1.01, "\(name): error of \(worstSteps) quantization steps")
            }
        }
    }

    @Test("the parameter inventory counts AWQ linears by their logical weight")
    func inventory() throws {
        let awq = try Checkpoint.open(Fixtures.folder("llama-awq"))
        let plain = try Checkpoint.open(Fixtures.folder("llama-fp32"))
        let a = ParameterInventory(source: awq.weights, config: awq.config)
        let b = ParameterInventory(source: plain.weights, config: plain.config)
        #expect(a.total == b.total)
        #expect(a.parts.map(\.name) == b.parts.map(\.name))
        #expect(a.parts.map(\.parameters) == b.parts.map(\.parameters))
        let layer = try #require(a.parts.first { $0.name == "layer 0" })
        #expect(layer.dtypes == ["AWQ4", "F16"])
        #expect(a.parts.first { $0.name == "embeddings" }?.dtypes == ["F16"])
    }
}
