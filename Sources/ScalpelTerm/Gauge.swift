/// A progress bar with eighth-of-a-cell precision and a centred label.
public struct Gauge: Widget, Hashable, Sendable {
    /// Progress in 0...1 (clamped; NaN counts as 0).
    public var ratio: Double
    /// The text shown in the middle; `nil` shows the percentage, such as `42%`.
    public var label: String?
    /// The fill colour; `nil` uses the theme's accent colour.
    public var color: Color?

    /// The partial-cell glyphs for 1/8 to 7/8 of a cell.
    public static let eighths = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// Creates a gauge.
    public init(ratio: Double, label: String? = nil, color: Color? = nil) {
        self.ratio = ratio
        self.label = label
        self.color = color
    }

    /// A gauge for `done` of `total` units, labelled `done/total (NN%)` unless `label` is given.
    public init(done: Double, total: Double, label: String? = nil, color: Color? = nil) {
        let r = total > 0 ? done / total : 0
        let text = label ?? "\(NumberFormat.short(done))/\(NumberFormat.short(total)) (\(Gauge.percent(r))%)"
        self.init(ratio: r, label: text, color: color)
    }

    /// The clamped ratio.
    public var clampedRatio: Double { ratio.isFinite ? min(1, max(0, ratio)) : 0 }

    static func percent(_ r: Double) -> Int {
        let c = r.isFinite ? min(1, max(0, r)) : 0
        return Int((c * 100).rounded(.down))
    }

    /// Draws the bar across `area`, the label on its middle row.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let fill = color ?? theme.accent
        let eighthsFilled = Int((clampedRatio * Double(area.width * 8)).rounded(.down))
        let full = eighthsFilled / 8
        let partial = eighthsFilled % 8
        for y in area.top..<area.bottom {
            for x in area.left..<(area.left + full) { buffer.setString(x, y, "█", style: Style(fg: fill)) }
            if partial > 0, full < area.width {
                buffer.setString(area.left + full, y, Gauge.eighths[partial - 1], style: Style(fg: fill))
            }
        }
        let text = (label ?? "\(Gauge.percent(ratio))%").truncated(toWidth: area.width)
        let lx = area.left + Alignment.center.offset(contentWidth: text.displayWidth, width: area.width)
        let ly = area.top + area.height / 2
        var x = lx
        for ch in text {
            let w = ch.displayWidth
            guard w > 0 else { continue }
            // Over the filled part the label is drawn reversed so it stays readable.
            let over = x < area.left + full
            let style = over ? Style(fg: fill, bg: theme.background, modifiers: [.reverse, .bold])
                             : Style(fg: theme.text, modifiers: .bold)
            x = buffer.setString(x, ly, String(ch), style: style)
        }
    }
}
