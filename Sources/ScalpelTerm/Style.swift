/// Colours and attributes for a run of cells, applied as a patch over what is already there.
///
/// A `nil` colour leaves the cell's colour alone; `addModifier` switches attributes on and
/// `subModifier` switches them off. A cell's own style always has an empty `subModifier`.
public struct Style: Hashable, Sendable, CustomStringConvertible {
    /// The foreground colour, or `nil` to keep the existing one.
    public var fg: Color?
    /// The background colour, or `nil` to keep the existing one.
    public var bg: Color?
    /// Attributes to switch on.
    public var addModifier: Modifier
    /// Attributes to switch off.
    public var subModifier: Modifier

    /// Creates a style.
    public init(fg: Color? = nil, bg: Color? = nil, modifiers: Modifier = [], removing: Modifier = []) {
        self.fg = fg
        self.bg = bg
        self.addModifier = modifiers
        self.subModifier = removing
    }

    /// The style that changes nothing.
    public static let plain = Style()

    /// `self` with `other` laid over it: `other`'s colours win where set, its modifiers are added and removed.
    public func patched(with other: Style) -> Style {
        var s = self
        s.fg = other.fg ?? fg
        s.bg = other.bg ?? bg
        s.addModifier = addModifier.subtracting(other.subModifier).union(other.addModifier)
        s.subModifier = subModifier.subtracting(other.addModifier).union(other.subModifier)
        return s
    }

    /// A copy with the foreground colour set.
    public func fg(_ color: Color?) -> Style { var s = self; s.fg = color; return s }
    /// A copy with the background colour set.
    public func bg(_ color: Color?) -> Style { var s = self; s.bg = color; return s }
    /// A copy with `modifier` switched on.
    public func adding(_ modifier: Modifier) -> Style {
        var s = self
        s.addModifier.formUnion(modifier)
        s.subModifier.subtract(modifier)
        return s
    }
    /// A copy with `modifier` switched off.
    public func removing(_ modifier: Modifier) -> Style {
        var s = self
        s.addModifier.subtract(modifier)
        s.subModifier.formUnion(modifier)
        return s
    }
    /// A bold copy.
    public func bold() -> Style { adding(.bold) }
    /// A dim copy.
    public func dim() -> Style { adding(.dim) }
    /// An italic copy.
    public func italic() -> Style { adding(.italic) }
    /// An underlined copy.
    public func underline() -> Style { adding(.underline) }
    /// A reversed copy.
    public func reversed() -> Style { adding(.reverse) }

    /// The colours and attributes in a compact form, such as `fg=cyan bg=default +bold`.
    public var description: String {
        var parts: [String] = []
        if let fg { parts.append("fg=\(fg)") }
        if let bg { parts.append("bg=\(bg)") }
        if !addModifier.isEmpty { parts.append("+\(addModifier)") }
        if !subModifier.isEmpty { parts.append("-\(subModifier)") }
        return parts.isEmpty ? "plain" : parts.joined(separator: " ")
    }
}
