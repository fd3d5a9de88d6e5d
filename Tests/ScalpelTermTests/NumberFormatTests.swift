import Testing
@testable import ScalpelTerm

@Suite struct NumberFormatTests {
    @Test func fixedDecimals() {
        #expect(NumberFormat.fixed(3.14159, decimals: 2) == "3.14")
        #expect(NumberFormat.fixed(-0.005, decimals: 2) == "-0.01")
        #expect(NumberFormat.fixed(-0.001, decimals: 2) == "0.00")
        #expect(NumberFormat.fixed(2, decimals: 0) == "2")
        #expect(NumberFormat.fixed(0.5, decimals: 3) == "0.500")
        #expect(NumberFormat.fixed(.nan, decimals: 2) == "nan")
    }

    @Test func shortLabels() {
        #expect(NumberFormat.short(0) == "0")
        #expect(NumberFormat.short(0.125) == "0.125")
        #expect(NumberFormat.short(3.14159) == "3.14")
        #expect(NumberFormat.short(42.56) == "42.6")
        #expect(NumberFormat.short(1234) == "1234")
        #expect(NumberFormat.short(12_345) == "12.3k")
        #expect(NumberFormat.short(4_500_000) == "4.5M")
        #expect(NumberFormat.short(-2.5) == "-2.5")
        #expect(NumberFormat.short(0.000012) == "1.2e-5")
    }

    @Test func fittingRoundsInsteadOfCutting() {
        #expect(NumberFormat.fitting(0.04545, width: 4) == "0.05")
        #expect(NumberFormat.fitting(0.04545, width: 6) == "0.045")
        #expect(NumberFormat.fitting(12_345, width: 4) == "12k")
        #expect(NumberFormat.fitting(1310, width: 4) == "1310")
        #expect(NumberFormat.fitting(0.000012, width: 4) == "1e-5")
        #expect(NumberFormat.fitting(-3.14159, width: 4) == "-3.1")
        #expect(NumberFormat.fitting(123_456, width: 2) == "12")
    }
}
