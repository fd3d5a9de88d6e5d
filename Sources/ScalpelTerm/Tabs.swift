/// The tab bar: one title per screen, the active one highlighted, with the digit that jumps to it.
///
/// Renders as ` 1 Inspect │ 2 Score │ 3 Quantize `; digits 1–9 then 0 number the first ten tabs.
public struct Tabs: Widget, Hashable, Sendable {
    /// The tab titles, in order.
    public var titles: [String]
    /// The index of the active tab.
    public var selected: Int
    /// Whether each title is preceded by its jump digit.
    public var showDigits: Bool
    /// The text between tabs.
    public var divider: String

    /// Creates a tab bar.
    public init(_ titles: [String], selected: Int = 0, showDigits: Bool = true, divider: String = "│") {
        self.titles = titles
        self.selected = selected
        self.showDigits = showDigits
        self.divider = divider
    }

    /// The jump digit of tab `index` (`1`…`9`, `0` for the tenth), or `nil` past ten.
    public static func digit(for index: Int) -> String? {
        guard index >= 0, index < 10 else { return nil }
        return String((index + 1) % 10)
    }

    /// Draws the tab bar on the first row of `area`.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let y = area.top
        var x = area.left
        for (i, title) in titles.enumerated() {
            if i > 0 {
                guard x < area.right else { break }
                x = buffer.setString(x, y, divider, style: Style(fg: theme.border), maxWidth: area.right - x)
            }
            guard x < area.right else { break }
            let active = i == selected
            let start = x
            x = buffer.setString(x, y, " ", maxWidth: area.right - x)
            if showDigits, let d = Tabs.digit(for: i) {
                x = buffer.setString(x, y, d + " ", style: Style(fg: active ? nil : theme.accent), maxWidth: area.right - x)
            }
            x = buffer.setString(x, y, title.truncated(toWidth: area.right - x), style: Style(fg: active ? nil : theme.text),
                                 maxWidth: area.right - x)
            x = buffer.setString(x, y, " ", maxWidth: area.right - x)
            if active {
                buffer.setStyle(Rect(x: start, y: y, width: x - start, height: 1), theme.selectionStyle.bold())
            }
        }
    }
}
