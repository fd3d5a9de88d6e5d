import XCTest
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

final class QuantExportTests: XCTestCase {
    /// The AWQ GEMM folder loads through `AWQWeightSource` and gives exactly the fake-quantized model's
    /// logits (with the unquantized tensors rounded to fp16, as the folder stores them).
    func testAWQExportLoadsBack() throws {
        let tiny = try QuantTinyModel(layers: 2, gqa: true, biases: true)
        for method in [QuantMethod.awq, .gptq] {
            let decoder = try tiny.runner().run(QuantSettings(method: method, scheme: QuantScheme(bits: 4, groupSize: 32)),
                                                calibration: QuantTinyModel.calibration())
            let dir = QuantTinyModel.temporary("awq")
            try QuantExport.writeAWQ(decoder, to: dir, sourceFolder: tiny.folder)
            let loaded = try Checkpoint.open(dir)
            let awq = try XCTUnwrap(loaded.weights as? AWQWeightSource)
            XCTAssertEqual(awq.linears.count, 14)
            XCTAssertEqual(awq.configuration.groupSize, 32)
            XCTAssertEqual(try awq.floats("model.layers.1.mlp.down_proj.weight"), try decoder.linear(1, "mlp.down_proj").dequantized())
            let tokens = QuantTinyModel.calibration()[2]
            XCTAssertEqual(try loaded.loadDecoder().logits(tokens: tokens), try decoder.model(unquantizedAsF16: true).logits(tokens: tokens), "\(method)")
        }
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 3, groupSize: 32)))
        XCTAssertThrowsError(try QuantExport.writeAWQ(decoder, to: QuantTinyModel.temporary("awq3")))
    }

    /// The dequantized f32 folder reproduces the fake-quantized model's logits exactly.
    func testHFExportLoadsBack() throws {
        let tiny = try QuantTinyModel(layers: 2, tied: true)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 3, groupSize: nil)))
        let dir = QuantTinyModel.temporary("hf")
        try QuantExport.writeHF(decoder, to: dir, dtype: .f32, sourceFolder: tiny.folder)
        let tokens = QuantTinyModel.calibration()[0]
        XCTAssertEqual(try Checkpoint.open(dir).loadDecoder().logits(tokens: tokens), try decoder.model().logits(tokens: tokens))
    }
}
