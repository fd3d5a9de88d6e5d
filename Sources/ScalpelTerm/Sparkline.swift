/// A compact bar chart of a series, one column per value, in block characters `▁▂▃▄▅▆▇█`.
///
/// When there are more values than columns, the most recent (last) values are shown. With more than
/// one row, each row adds eight levels of resolution.
public struct Sparkline: Widget, Hashable, Sendable {
    /// The values, oldest first. Non-finite values draw as gaps.
    public var data: [Double]
    /// The value drawn as an empty column; `nil` uses the smaller of 0 and the smallest value.
    public var minimum: Double?
    /// The value drawn as a full column; `nil` uses the largest value shown.
    public var maximum: Double?
    /// The bar style; `nil` uses the theme's accent colour.
    public var style: Style?

    /// The nine levels of one cell, empty to full.
    public static let levels = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// Creates a sparkline.
    public init(_ data: [Double], minimum: Double? = nil, maximum: Double? = nil, style: Style? = nil) {
        self.data = data
        self.minimum = minimum
        self.maximum = maximum
        self.style = style
    }

    /// Draws one column per value, bottom-aligned in `area`.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty, !data.isEmpty else { return }
        let shown = Array(data.suffix(area.width))
        let finite = shown.filter(\.isFinite)
        guard !finite.isEmpty else { return }
        let lo = minimum ?? min(0, finite.min()!)
        let hi = maximum ?? finite.max()!
        let span = hi - lo
        let levelsPerColumn = area.height * 8
        let s = style ?? Style(fg: theme.accent)
        for (i, v) in shown.enumerated() where v.isFinite {
            let t = span > 0 ? min(1, max(0, (v - lo) / span)) : (v > lo ? 1 : 0)
            let level = Int((t * Double(levelsPerColumn)).rounded())
            for row in 0..<area.height {
                let fill = min(8, max(0, level - row * 8))
                guard fill > 0 else { break }
                buffer.setString(area.x + i, area.bottom - 1 - row, Sparkline.levels[fill], style: s)
            }
        }
    }
}
