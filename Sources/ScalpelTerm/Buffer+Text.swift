extension Buffer {
    /// Writes `string` starting at column `x` of row `y`, one grapheme per cell (two for wide ones).
    ///
    /// Text is clipped at the buffer's edges and after `maxWidth` columns; a wide grapheme that would
    /// straddle the limit is not drawn. Control and zero-width characters are skipped. Writing over half
    /// of an existing wide grapheme blanks its other half. Returns the column after the last cell written.
    @discardableResult
    public mutating func setString(_ x: Int, _ y: Int, _ string: String, style: Style = Style(), maxWidth: Int = Int.max) -> Int {
        guard y >= area.top, y < area.bottom, maxWidth > 0 else { return x }
        let limit = maxWidth >= area.right - x ? area.right : x + maxWidth
        var cx = x
        for ch in string {
            let w = ch.displayWidth
            if w == 0 { continue }
            if cx + w > limit { break }
            if cx < area.left {
                // Partly left of the buffer: blank the visible half of a wide grapheme.
                if cx + w > area.left {
                    for px in area.left..<(cx + w) { writeSymbol(" ", x: px, y: y, width: 1, style: style) }
                }
                cx += w
                continue
            }
            writeSymbol(String(ch), x: cx, y: y, width: w, style: style)
            cx += w
        }
        return cx
    }

    /// Writes a styled span; see ``setString(_:_:_:style:maxWidth:)``.
    @discardableResult
    public mutating func setSpan(_ x: Int, _ y: Int, _ span: Span, maxWidth: Int = Int.max) -> Int {
        setString(x, y, span.content, style: span.style, maxWidth: maxWidth)
    }

    /// Writes the spans of `line` one after another, each laid over `line.style`; returns the next column.
    @discardableResult
    public mutating func setLine(_ x: Int, _ y: Int, _ line: Line, maxWidth: Int = Int.max) -> Int {
        var cx = x
        for span in line.spans {
            let used = cx - x
            guard used < maxWidth else { break }
            cx = setString(cx, y, span.content, style: line.style.patched(with: span.style), maxWidth: maxWidth - used)
        }
        return cx
    }

    /// Puts one symbol `width` cells wide at (`x`, `y`), keeping wide graphemes around it whole.
    mutating func writeSymbol(_ symbol: String, x: Int, y: Int, width: Int, style: Style?) {
        guard let i = index(x: x, y: y), x + width <= area.right else { return }
        let rowStart = (y - area.y) * area.width
        let rowEnd = rowStart + area.width
        // Overwriting the tail of a wide grapheme: blank its head.
        if content[i].isContinuation {
            var head = i - 1
            while head > rowStart, content[head].isContinuation { head -= 1 }
            if head >= rowStart { for j in head..<i { content[j].symbol = " " } }
        }
        // A wide grapheme whose head falls under our last cell loses its tail.
        var k = i + width
        while k < rowEnd, content[k].isContinuation {
            content[k].symbol = " "
            k += 1
        }
        content[i].symbol = symbol
        if let style { content[i].patchStyle(style) }
        if width > 1 {
            for t in 1..<width {
                content[i + t].symbol = ""
                content[i + t].style = content[i].style
            }
        }
    }

    /// The text of each row, wide graphemes counted once (style is dropped).
    public var lines: [String] {
        guard area.width > 0 else { return Array(repeating: "", count: area.height) }
        var out: [String] = []
        out.reserveCapacity(area.height)
        for row in 0..<area.height {
            var s = ""
            for cell in content[(row * area.width)..<((row + 1) * area.width)] { s += cell.symbol }
            out.append(s)
        }
        return out
    }
}
