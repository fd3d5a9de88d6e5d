/// Several series as braille lines on shared axes, with labelled bounds and a legend.
///
/// Layout, top to bottom: the legend row (when any series is named), the plot with y labels on the
/// left and the y axis `│`, the x axis `└───`, and the x labels (minimum, middle, maximum).
/// Bounds are taken from the data unless given; a flat range is widened by 1 each way.
public struct LineChart: Widget, Hashable, Sendable {
    /// The series, drawn in order (later ones on top).
    public var series: [ChartSeries]
    /// The x range; `nil` fits the data.
    public var xBounds: ClosedRange<Double>?
    /// The y range; `nil` fits the data.
    public var yBounds: ClosedRange<Double>?
    /// Whether the legend row is drawn.
    public var showLegend: Bool

    /// Creates a chart.
    public init(_ series: [ChartSeries], xBounds: ClosedRange<Double>? = nil, yBounds: ClosedRange<Double>? = nil, showLegend: Bool = true) {
        self.series = series
        self.xBounds = xBounds
        self.yBounds = yBounds
        self.showLegend = showLegend
    }

    /// The x and y ranges the chart uses.
    public func bounds() -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        func fit(_ values: [Double]) -> ClosedRange<Double> {
            let finite = values.filter(\.isFinite)
            guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
            return lo < hi ? lo...hi : (lo - 1)...(hi + 1)
        }
        let x = xBounds ?? fit(series.flatMap { Array($0.xs.prefix($0.count)) })
        let y = yBounds ?? fit(series.flatMap { Array($0.ys.prefix($0.count)) })
        return (x.lowerBound < x.upperBound ? x : (x.lowerBound - 1)...(x.upperBound + 1),
                y.lowerBound < y.upperBound ? y : (y.lowerBound - 1)...(y.upperBound + 1))
    }

    /// Draws the legend, axes, labels and series into `area`.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        var top = area.top
        let named = series.enumerated().filter { !$0.element.name.isEmpty }
        if showLegend, !named.isEmpty {
            let items = named.map { (text: "━━ " + $0.element.name, color: $0.element.color ?? theme.seriesColor($0.offset)) }
            let total = items.reduce(0) { $0 + $1.text.displayWidth } + 2 * (items.count - 1)
            var x = max(area.left, area.right - total)
            for (i, item) in items.enumerated() {
                if i > 0 { x = buffer.setString(x, top, "  ", maxWidth: area.right - x) }
                x = buffer.setString(x, top, "━━", style: Style(fg: item.color), maxWidth: area.right - x)
                x = buffer.setString(x, top, String(item.text.dropFirst(2)), style: Style(fg: theme.text), maxWidth: area.right - x)
            }
            top += 1
        }
        let plotHeight = area.bottom - top - 2
        guard plotHeight >= 1 else { return }
        let (xr, yr) = bounds()
        var yLabels = [(row: 0, text: NumberFormat.short(yr.upperBound)), (row: plotHeight - 1, text: NumberFormat.short(yr.lowerBound))]
        if plotHeight >= 5 {
            let mid = plotHeight / 2
            let value = yr.upperBound - (yr.upperBound - yr.lowerBound) * Double(mid) / Double(plotHeight - 1)
            yLabels.append((mid, NumberFormat.short(value)))
        }
        if plotHeight == 1 { yLabels.removeLast() }
        let labelWidth = yLabels.map(\.text.displayWidth).max() ?? 0
        let axisX = area.left + labelWidth
        let plotX = axisX + 1
        let plotWidth = area.right - plotX
        guard plotWidth >= 1 else { return }
        let muted = Style(fg: theme.muted)
        for l in yLabels {
            buffer.setString(area.left, top + l.row, l.text.padded(toWidth: labelWidth, alignment: .right), style: muted)
        }
        for y in top..<(top + plotHeight) { buffer.setString(axisX, y, "│", style: Style(fg: theme.border)) }
        let axisY = top + plotHeight
        buffer.setString(axisX, axisY, "└", style: Style(fg: theme.border))
        for x in plotX..<area.right { buffer.setString(x, axisY, "─", style: Style(fg: theme.border)) }
        // X labels: minimum at the left, maximum at the right, the middle when there is room.
        let labelY = axisY + 1
        let lo = NumberFormat.short(xr.lowerBound), hi = NumberFormat.short(xr.upperBound)
        buffer.setString(plotX, labelY, lo, style: muted, maxWidth: plotWidth)
        let hiX = max(plotX + lo.displayWidth + 1, area.right - hi.displayWidth)
        buffer.setString(hiX, labelY, hi, style: muted, maxWidth: area.right - hiX)
        let mid = NumberFormat.short((xr.lowerBound + xr.upperBound) / 2)
        let midX = plotX + (plotWidth - mid.displayWidth) / 2
        if midX >= plotX + lo.displayWidth + 2, midX + mid.displayWidth + 2 <= hiX {
            buffer.setString(midX, labelY, mid, style: muted)
        }

        var grid = BrailleGrid(width: plotWidth, height: plotHeight)
        let dw = Double(grid.dotWidth - 1), dh = Double(grid.dotHeight - 1)
        let xSpan = xr.upperBound - xr.lowerBound, ySpan = yr.upperBound - yr.lowerBound
        func dot(_ x: Double, _ y: Double) -> (Int, Int) {
            let px = ((x - xr.lowerBound) / xSpan * dw).rounded()
            let py = ((yr.upperBound - y) / ySpan * dh).rounded()
            // Clamp far-away points so lines toward them stay bounded.
            let limitX = 4 * (dw + 1), limitY = 4 * (dh + 1)
            return (Int(min(limitX, max(-limitX, px))), Int(min(limitY, max(-limitY, py))))
        }
        for (i, s) in series.enumerated() {
            let color = s.color ?? theme.seriesColor(i)
            var last: (Int, Int)?
            for k in 0..<s.count {
                guard s.xs[k].isFinite, s.ys[k].isFinite else { last = nil; continue }
                let p = dot(s.xs[k], s.ys[k])
                if let l = last { grid.line(from: l.0, l.1, to: p.0, p.1, color: color) } else { grid.set(x: p.0, y: p.1, color: color) }
                last = p
            }
        }
        grid.render(into: &buffer, x: plotX, y: top, defaultColor: theme.accent)
    }
}
