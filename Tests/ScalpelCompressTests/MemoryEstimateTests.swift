import XCTest
import ScalpelFormats
@testable import ScalpelCompress

final class MemoryEstimateTests: XCTestCase {
    /// LLaVA-1.5-7B (Vicuna-7B + CLIP ViT-L/14-336, llava-hf config values).
    static let llava = ModelConfig.llava(ModelConfig.Llava(
        text: ModelConfig.Llama(vocabSize: 32064, hiddenSize: 4096, intermediateSize: 11008, numHiddenLayers: 32, numAttentionHeads: 32,
                                numKeyValueHeads: 32, rmsNormEps: 1e-5, maxPositionEmbeddings: 4096),
        vision: ModelConfig.CLIPVision(hiddenSize: 1024, intermediateSize: 4096, numHiddenLayers: 24, numAttentionHeads: 16,
                                       imageSize: 336, patchSize: 14, projectionDim: 768),
        imageTokenIndex: 32000))

    /// REFERENCES.md: 7.063 B parameters; 7 blocks dropped → 5.646 B; W4 g128 (AWQ GEMM) → ≈ 3.80 GB of
    /// weights; fp16 KV cache at 2048 tokens ≈ 0.84 GB.
    func testLlava7BNumbers() throws {
        let full = try MemoryEstimate.estimate(config: Self.llava, options: .init(scheme: nil))
        XCTAssertEqual(Double(full.params) / 1e9, 7.063, accuracy: 0.0005)
        XCTAssertEqual(Double(full.weightsBytes) / 1e9, 14.13, accuracy: 0.01)
        let drop: Set<Int> = [23, 4, 18, 22, 21, 24, 17]
        let pruned = try MemoryEstimate.estimate(config: Self.llava, options: .init(drop: drop, scheme: QuantScheme(bits: 4, groupSize: 128)))
        XCTAssertEqual(Double(pruned.params) / 1e9, 5.646, accuracy: 0.001)
        XCTAssertEqual(Double(pruned.weightsBytes) / 1e9, 3.80, accuracy: 0.005)
        XCTAssertEqual(Double(pruned.kvCacheBytes) / 1e9, 0.839, accuracy: 0.001)
        let linears = try XCTUnwrap(pruned.parts.first { $0.name.hasPrefix("decoder linears") })
        XCTAssertEqual(linears.bits, 4 + 20.0 / 128, accuracy: 1e-6)
        XCTAssertLessThan(pruned.totalBytes, 4_900_000_000)
    }

    func testBitsPerWeight() {
        let s = QuantScheme(bits: 4, groupSize: 128)
        XCTAssertEqual(MemoryEstimate.bitsPerWeight(s, format: .awqGemm, inFeatures: 4096), 4.15625)
        XCTAssertEqual(MemoryEstimate.bitsPerWeight(s, format: .fp16Zeros, inFeatures: 4096), 4.25)
        XCTAssertEqual(MemoryEstimate.bitsPerWeight(QuantScheme(bits: 4, groupSize: 32, symmetric: true), format: .gguf, inFeatures: 4096), 4.5)
        XCTAssertEqual(MemoryEstimate.bitsPerWeight(QuantScheme(bits: 8, groupSize: 32, symmetric: true), format: .gguf, inFeatures: 4096), 8.5)
    }

    /// The predicted AWQ weights equal the bytes of the exported triples (plus the fp16 rest).
    func testMatchesAnAWQExport() throws {
        let tiny = try QuantTinyModel(layers: 2)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 32)))
        let dir = QuantTinyModel.temporary("est")
        try QuantExport.writeAWQ(decoder, to: dir)
        let config = try ModelConfig(contentsOf: URL(fileURLWithPath: tiny.folder + "/config.json"))
        let e = try MemoryEstimate.estimate(config: config, options: .init(scheme: QuantScheme(bits: 4, groupSize: 32)))
        let file = try SafetensorsFile(path: dir + "/model.safetensors")
        let dataBytes = file.tensors.reduce(0) { $0 + $1.byteCount }
        XCTAssertEqual(e.weightsBytes, dataBytes)
    }

    func testBadSettings() {
        XCTAssertThrowsError(try MemoryEstimate.estimate(config: Self.llava, options: .init(drop: [32])))
        XCTAssertThrowsError(try MemoryEstimate.estimate(config: Self.llava, options: .init(scheme: QuantScheme(bits: 4, groupSize: 96))))
    }
}
