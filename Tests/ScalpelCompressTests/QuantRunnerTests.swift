import XCTest
import ScalpelFormats
import ScalpelModels
import ScalpelTensor
@testable import ScalpelCompress

final class QuantRunnerTests: XCTestCase {
    /// GPTQ streams as the reference does: block 0's linears are solved from the Hessians of the embedded
    /// calibration tokens, block 1's from the outputs of the *quantized* block 0 (recomputed here with
    /// `LlamaBlock.forward`, independently of the runner's own block pass).
    func testGPTQFeedsQuantizedOutputsForward() throws {
        let tiny = try QuantTinyModel(layers: 2)
        let calibration = QuantTinyModel.calibration(samples: 3, length: 12)
        let scheme = QuantScheme(bits: 3, groupSize: 32)
        let decoder = try tiny.runner().run(QuantSettings(method: .gptq, scheme: scheme), calibration: calibration)
        let ckpt = try tiny.checkpoint()
        let c = ckpt.config.text, h = c.hiddenSize, n = 3 * 12
        let embed = try ckpt.weights.floats("model.embed_tokens.weight")
        let x = FloatBuffer(calibration.flatMap { $0 }.flatMap { Array(embed[($0 * h)..<($0 * h + h)]) })
        let (invFreq, scaling) = try RopeFrequencies.compute(c, seqLen: 12)
        let positions = (0..<n).map { Int32($0 % 12) }
        for i in 0..<2 {
            let w = try LlamaBlockWeights(from: ckpt.weights, names: .llama, index: i, config: c)
            let normed = FloatBuffer(count: n * h)
            RMSNorm.forward(out: normed.pointer, rstd: nil, x: x.pointer, weight: w.inputNorm.pointer, n: n, dim: h, eps: Float(c.rmsNormEps))
            let hessian = GPTQHessian(dim: h)
            hessian.add(normed.readPointer, rows: n)
            for (name, buffer) in [("self_attn.q_proj", w.q), ("self_attn.k_proj", w.k)] {
                let expected = try GPTQ.quantize(weight: buffer.array, rows: buffer.count / h, cols: h, hessian: hessian.hessian, scheme: scheme)
                XCTAssertEqual(try decoder.linear(i, name), expected, "block \(i) \(name)")
            }
            // The next block's input: this block with its quantized weights.
            let block = LlamaBlock(config: c, weights: try decoder.block(i).weights(config: c))
            positions.withUnsafeBufferPointer { pos in
                invFreq.withUnsafeBufferPointer { inv in
                    block.forward(x.pointer, step: BlockStep(batch: 3, seqLen: 12), positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                                  attentionScaling: scaling)
                }
            }
        }
    }

    func testSettingsThatCannotWork() throws {
        let tiny = try QuantTinyModel(layers: 1)
        XCTAssertThrowsError(try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 48)))) { error in
            XCTAssertTrue("\(error)".contains("does not divide"), "\(error)")
        }
        XCTAssertNoThrow(try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 48), partialGroups: true)))
        XCTAssertThrowsError(try tiny.runner().run(QuantSettings(method: .awq, scheme: QuantScheme(bits: 4, groupSize: 32)))) { error in
            XCTAssertTrue("\(error)".contains("calibration"), "\(error)")
        }
    }
}
