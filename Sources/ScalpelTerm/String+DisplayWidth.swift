extension String {
    /// The number of terminal columns the string takes (the sum of its graphemes' widths).
    public var displayWidth: Int {
        var w = 0
        for c in self { w += c.displayWidth }
        return w
    }

    /// The longest prefix that fits in `width` columns, ending in `ellipsis` when something was cut.
    ///
    /// When `width` is smaller than the ellipsis itself, the plain prefix is returned.
    public func truncated(toWidth width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if displayWidth <= width { return self }
        let ew = ellipsis.displayWidth
        let budget = ew < width ? width - ew : width
        var out = ""
        var w = 0
        for c in self {
            let cw = c.displayWidth
            if w + cw > budget { break }
            out.append(c)
            w += cw
        }
        return ew < width ? out + ellipsis : out
    }

    /// The string padded with spaces (or cut) to exactly `width` columns, placed by `alignment`.
    public func padded(toWidth width: Int, alignment: Alignment = .left) -> String {
        let s = truncated(toWidth: width)
        let gap = max(0, width - s.displayWidth)
        switch alignment {
        case .left: return s + String(repeating: " ", count: gap)
        case .right: return String(repeating: " ", count: gap) + s
        case .center:
            let l = gap / 2
            return String(repeating: " ", count: l) + s + String(repeating: " ", count: gap - l)
        }
    }
}
