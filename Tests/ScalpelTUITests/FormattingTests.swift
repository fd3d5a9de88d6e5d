import Testing
@testable import ScalpelTUI

/// Weight memory at each precision and the number formats of the Model screen.
@Suite struct FormattingTests {
    @Test func groupedPrecisionsPayAScaleAndZeroPerGroup() {
        let standard = WeightPrecision.standard
        #expect(standard.map(\.name) == ["fp32", "fp16", "8-bit g128", "4-bit g128"])
        #expect(standard.map(\.bitsPerWeight) == [32, 16, 8.25, 4.25])
        // 134,515,008 weights (SmolLM2-135M): 4 bits each plus 32 bits per group of 128.
        let n = 134_515_008
        #expect(standard[0].bytes(parameters: n) == n * 4)
        #expect(standard[1].bytes(parameters: n) == n * 2)
        let groups = (n + 127) / 128
        #expect(standard[3].bytes(parameters: n) == n / 2 + groups * 4)
        #expect(standard[2].bytes(parameters: n) == n + groups * 4)
        // A partial group still stores its scale and zero.
        #expect(standard[3].bytes(parameters: 129) == (129 * 4 + 2 * 32 + 7) / 8)
        #expect(standard[3].bytes(parameters: 0) == 0)
    }

    @Test func quantities() {
        #expect(Quantity.grouped(134_515_008) == "134,515,008")
        #expect(Quantity.grouped(999) == "999")
        #expect(Quantity.grouped(1_000) == "1,000")
        #expect(Quantity.grouped(0) == "0")
        #expect(Quantity.count(134_515_008) == "134.52M")
        #expect(Quantity.count(6_738_415_616) == "6.738B")
        #expect(Quantity.count(98_624) == "98.6K")
        #expect(Quantity.count(64) == "64")
        #expect(Quantity.bytes(396_632) == "396.63 KB")
        #expect(Quantity.bytes(512) == "512 B")
        #expect(Quantity.bytes(538_060_032) == "538.06 MB")
        #expect(Quantity.percent(6_144, of: 98_624) == "6.2%")
        #expect(Quantity.percent(1, of: 0) == "–")
        #expect(Quantity.plain(10_000) == "10000")
        #expect(Quantity.plain(0.5) == "0.5")
    }

    @Test func pathsAreCutFromTheStart() {
        #expect("Tests/ScalpelModelsTests/Fixtures/models/llama-fp32".truncatedFromStart(toWidth: 20) == "…s/models/llama-fp32")
        #expect("short".truncatedFromStart(toWidth: 20) == "short")
        #expect("abcdef".truncatedFromStart(toWidth: 1) == "f")
    }

    @Test func summaryTotalsAndDtypes() {
        #expect(tinyLlama.totalParameters == 98_624)
        #expect(smolLM2.totalParameters == 134_515_008)
        #expect(smolLM2.dtypes == ["Q8_0", "F32", "Q4_1"])
    }
}
