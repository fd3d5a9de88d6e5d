import Testing
@testable import ScalpelTerm

@Suite struct LineChartTests {
    @Test func twoSeriesWithAxesAndLegend() {
        let trainLoss: [Double] = (0..<40).map { (i: Int) -> Double in 4 / (1 + Double(i) / 5) + 0.5 }
        let train = ChartSeries(name: "train", values: trainLoss)
        let eval = ChartSeries(name: "eval", points: [(0, 4.2), (10, 2.1), (20, 1.3), (30, 1.1), (39, 1.0)])
        let b = render(LineChart([train, eval]), width: 40, height: 12)
        Golden.check("linechart", b)
        // Series colours come from the theme in order.
        let dots = b.content.filter { (cell: Cell) -> Bool in
            guard let s = cell.symbol.unicodeScalars.first else { return false }
            return (0x2801...0x28FF).contains(s.value)
        }
        let colours = Set(dots.compactMap { (cell: Cell) -> Color? in cell.style.fg })
        #expect(colours == [Theme.default.series[0], Theme.default.series[1]])
    }

    @Test func brailleDots() {
        var grid = BrailleGrid(width: 2, height: 1)
        grid.set(x: 0, y: 0)
        grid.set(x: 1, y: 3)
        grid.set(x: 3, y: 1)
        grid.set(x: 9, y: 9)  // outside: ignored
        #expect(grid.symbol(column: 0, row: 0) == "⢁")  // dots 1 and 8
        #expect(grid.symbol(column: 1, row: 0) == "⠐")  // dot 5
        var line = BrailleGrid(width: 2, height: 1)
        line.line(from: 0, 3, to: 3, 0)
        #expect(line.symbol(column: 0, row: 0) == "⡠" && line.symbol(column: 1, row: 0) == "⠊")
    }

    @Test func boundsFitTheDataOrAreGiven() {
        let chart = LineChart([ChartSeries(name: "", values: [2, 4, 3])])
        #expect(chart.bounds().x == 0...2 && chart.bounds().y == 2...4)
        let flat = LineChart([ChartSeries(name: "", values: [5, 5])])
        #expect(flat.bounds().y == 4...6)
        let given = LineChart([], xBounds: 0...100, yBounds: 0...1)
        #expect(given.bounds().x == 0...100 && given.bounds().y == 0...1)
        #expect(LineChart([]).bounds().x == 0...1)
    }

    @Test func flatSeriesWithoutLegendAndGaps() {
        let s = ChartSeries(name: "", points: [(0, 1), (1, 1), (2, .nan), (3, 1), (4, 1)])
        let b = render(LineChart([s], showLegend: false), width: 16, height: 5)
        Golden.check("linechart-flat", b)
    }
}
