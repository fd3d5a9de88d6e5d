import Foundation
import Testing
import ScalpelFormats
@testable import ScalpelCompress

@Suite struct CalibrationWeightSourceTests {
    @Test(arguments: [SafetensorsDType.f32, .f16, .bf16])
    func gatheredRowsEqualTheConvertedTable(dtype: SafetensorsDType) throws {
        let folder = TinyModel.temporaryFolder("rows")
        let values = (0..<(10 * 6)).map { Float($0) * 0.37 - 9 }
        var writer = SafetensorsWriter()
        try writer.add("table", floats: values, shape: [10, 6], as: dtype)
        try writer.write(to: folder + "/model.safetensors")
        let source = CalibrationWeightSource(try SafetensorsFile(path: folder + "/model.safetensors"))
        let table = try source.floats("table")
        let ids = [3, 0, 9, 3]
        let rows = try #require(source.rows("table", ids: ids, width: 6))
        #expect(rows == ids.flatMap { Array(table[($0 * 6)..<($0 * 6 + 6)]) })
        // Pages handed back are read again from the file.
        source.release("table")
        #expect(try source.floats("table") == table)
    }
}
