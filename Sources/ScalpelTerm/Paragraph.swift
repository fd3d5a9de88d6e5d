/// Styled text, optionally wrapped, aligned and scrolled.
public struct Paragraph: Widget, Hashable, Sendable {
    /// The lines of text (each may wrap onto several rows).
    public var lines: [Line]
    /// How long lines are broken.
    public var wrap: Wrap
    /// Placement of lines that do not set their own alignment.
    public var alignment: Alignment
    /// Rows skipped at the top (after wrapping).
    public var scroll: Int
    /// A style laid under the text; `nil` uses the theme's text colour.
    public var style: Style?

    /// A paragraph of styled lines.
    public init(_ lines: [Line], wrap: Wrap = .word, alignment: Alignment = .left, scroll: Int = 0, style: Style? = nil) {
        self.lines = lines
        self.wrap = wrap
        self.alignment = alignment
        self.scroll = scroll
        self.style = style
    }

    /// A paragraph of plain text; `\n` starts a new line.
    public init(_ text: String, wrap: Wrap = .word, alignment: Alignment = .left, scroll: Int = 0, style: Style? = nil) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Line(String($0)) }
        self.init(lines, wrap: wrap, alignment: alignment, scroll: scroll, style: style)
    }

    /// The rows the text takes at `width` columns, after wrapping.
    public func wrappedLines(width: Int) -> [Line] {
        guard width > 0 else { return [] }
        var rows: [Line] = []
        for line in lines {
            switch wrap {
            case .none:
                rows.append(line)
            case .word, .character:
                for row in Paragraph.wrap(line, width: width, words: wrap == .word) {
                    rows.append(Line(row, style: line.style, alignment: line.alignment))
                }
            }
        }
        return rows
    }

    /// The number of rows the text takes at `width` columns.
    public func lineCount(width: Int) -> Int { wrappedLines(width: width).count }

    /// Draws the text into `area`, wrapped, aligned and scrolled.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let base = style ?? Style(fg: theme.text)
        let rows = wrappedLines(width: area.width)
        for (i, row) in rows.dropFirst(max(0, scroll)).prefix(area.height).enumerated() {
            let a = row.alignment ?? alignment
            let x = area.x + a.offset(contentWidth: row.width, width: area.width)
            var line = row
            line.style = base.patched(with: row.style)
            buffer.setLine(x, area.y + i, line, maxWidth: area.right - x)
        }
    }

    /// Breaks one line into rows of at most `width` columns, keeping each grapheme's style.
    static func wrap(_ line: Line, width: Int, words: Bool) -> [[Span]] {
        // Flatten to graphemes with styles, then group into words and runs of spaces.
        var glyphs: [(Character, Style, Int)] = []
        for span in line.spans {
            for c in span.content {
                let w = c.displayWidth
                if w > 0 { glyphs.append((c, span.style, w)) }
            }
        }
        var rows: [[(Character, Style, Int)]] = []
        var current: [(Character, Style, Int)] = []
        var currentWidth = 0
        func pushRow() {
            rows.append(current)
            current = []
            currentWidth = 0
        }
        func appendSplitting(_ run: [(Character, Style, Int)]) {
            for g in run {
                if currentWidth + g.2 > width, !current.isEmpty { pushRow() }
                if g.2 > width { continue }  // a wide grapheme in a one-column area
                current.append(g)
                currentWidth += g.2
            }
        }
        if !words {
            appendSplitting(glyphs)
        } else {
            var tokens: [(isSpace: Bool, glyphs: [(Character, Style, Int)], width: Int)] = []
            for g in glyphs {
                let space = g.0 == " "
                if let last = tokens.last, last.isSpace == space {
                    tokens[tokens.count - 1].glyphs.append(g)
                    tokens[tokens.count - 1].width += g.2
                } else {
                    tokens.append((space, [g], g.2))
                }
            }
            var pendingSpace: [(Character, Style, Int)] = []
            var pendingWidth = 0
            for (i, token) in tokens.enumerated() {
                if token.isSpace {
                    if i == 0 {
                        appendSplitting(token.glyphs)  // indentation is kept
                    } else {
                        pendingSpace = token.glyphs
                        pendingWidth = token.width
                    }
                    continue
                }
                let spaceWidth = current.isEmpty ? 0 : pendingWidth
                if currentWidth + spaceWidth + token.width <= width {
                    if !current.isEmpty { current += pendingSpace; currentWidth += pendingWidth }
                    current += token.glyphs
                    currentWidth += token.width
                } else if token.width <= width {
                    if !current.isEmpty { pushRow() }
                    current = token.glyphs
                    currentWidth = token.width
                } else {
                    if !current.isEmpty, currentWidth + spaceWidth < width {
                        current += pendingSpace
                        currentWidth += pendingWidth
                    } else if !current.isEmpty {
                        pushRow()
                    }
                    appendSplitting(token.glyphs)
                }
                pendingSpace = []
                pendingWidth = 0
            }
        }
        if !current.isEmpty || rows.isEmpty { pushRow() }
        // Regroup consecutive graphemes of the same style into spans.
        return rows.map { row in
            var spans: [Span] = []
            for g in row {
                if let last = spans.last, last.style == g.1 {
                    spans[spans.count - 1].content.append(g.0)
                } else {
                    spans.append(Span(String(g.0), style: g.1))
                }
            }
            return spans
        }
    }
}
