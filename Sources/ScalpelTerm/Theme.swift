/// The colours of the workbench, by role; loaded from a theme file (see ``Theme/init(parsing:base:)``).
public struct Theme: Hashable, Sendable {
    /// The theme's display name.
    public var name: String
    /// Screen background (`.reset` keeps the terminal's own).
    public var background: Color
    /// Body text.
    public var text: Color
    /// Secondary text: labels, hints, axes.
    public var muted: Color
    /// Titles, keys, the active tab, highlights.
    public var accent: Color
    /// Box borders and dividers.
    public var border: Color
    /// The selected row or item (drawn reversed: this colour becomes the background).
    public var selection: Color
    /// The heatmap ramp from low to high, at least two colours.
    public var heat: [Color]
    /// Success and healthy values.
    public var good: Color
    /// Warnings and values worth a look.
    public var warn: Color
    /// Errors and values to avoid; also the prune marker.
    public var bad: Color
    /// Line-chart series colours, used in order and then repeated.
    public var series: [Color]

    /// Creates a theme.
    public init(name: String, background: Color, text: Color, muted: Color, accent: Color, border: Color,
                selection: Color, heat: [Color], good: Color, warn: Color, bad: Color, series: [Color]) {
        self.name = name
        self.background = background
        self.text = text
        self.muted = muted
        self.accent = accent
        self.border = border
        self.selection = selection
        self.heat = heat.isEmpty ? [text] : heat
        self.good = good
        self.warn = warn
        self.bad = bad
        self.series = series.isEmpty ? [accent] : series
    }

    /// The built-in theme (the same colours as `themes/default.theme`); also the base that fills
    /// keys a theme file leaves out.
    public static let `default` = Theme(
        name: "default",
        background: .reset,
        text: .reset,
        muted: .indexed(245),
        accent: .cyan,
        border: .brightBlack,
        selection: .blue,
        heat: [.rgb(0x44, 0x01, 0x54), .rgb(0x46, 0x32, 0x7e), .rgb(0x36, 0x5c, 0x8d), .rgb(0x27, 0x7f, 0x8e),
               .rgb(0x1f, 0xa1, 0x87), .rgb(0x4a, 0xc1, 0x6d), .rgb(0xa0, 0xda, 0x39), .rgb(0xfd, 0xe7, 0x25)],
        good: .green,
        warn: .yellow,
        bad: .red,
        series: [.cyan, .magenta, .yellow, .green, .blue, .red]
    )

    /// The ramp colour for `t` in 0...1 (clamped; NaN gives the lowest colour).
    public func heatColor(_ t: Double) -> Color {
        guard t.isFinite else { return heat[0] }
        let n = heat.count
        let i = Int((min(1, max(0, t)) * Double(n)).rounded(.down))
        return heat[min(n - 1, max(0, i))]
    }

    /// The colour of series number `index`, cycling through `series`.
    public func seriesColor(_ index: Int) -> Color {
        series[((index % series.count) + series.count) % series.count]
    }

    /// Body text over the background.
    public var textStyle: Style { Style(fg: text, bg: background) }
    /// Secondary text.
    public var mutedStyle: Style { Style(fg: muted) }
    /// Accented text in bold.
    public var accentStyle: Style { Style(fg: accent, modifiers: .bold) }
    /// Borders and dividers.
    public var borderStyle: Style { Style(fg: border) }
    /// The selected row: reversed, so `selection` is the background and the screen background the text.
    public var selectionStyle: Style { Style(fg: selection, bg: background, modifiers: .reverse) }

    /// Every colour mapped to the nearest one a terminal with `support` can show.
    public func adapted(to support: ColorSupport) -> Theme {
        func a(_ c: Color) -> Color { c.adapted(to: support) }
        return Theme(name: name, background: a(background), text: a(text), muted: a(muted), accent: a(accent),
                     border: a(border), selection: a(selection), heat: heat.map(a), good: a(good), warn: a(warn),
                     bad: a(bad), series: series.map(a))
    }
}
