/// Where each value of a recipe sits in its file, keyed by dotted path (`quantize.group_size`,
/// `prune.drop[2]`, `eval[0].data`). Lookups fall back to the nearest enclosing key, so a check on a
/// defaulted value points at its section.
public struct RecipeLocations: Sendable, Equatable {
    /// A 1-based line and column in the recipe file.
    public struct Location: Sendable, Equatable {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    var values: [String: Location] = [:]
    var keys: [String: Location] = [:]
    /// The recipe file as named when loaded (what diagnostics print).
    var file: String?
    /// Paths whose value was already reported as wrong; later checks skip them.
    var invalid: Set<String> = []

    public init() {}

    /// The location of the value at `path`, else of the nearest enclosing value; nil when none is known.
    public func value(_ path: String) -> Location? {
        var p = path
        while true {
            if let l = values[p] { return l }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
            p = String(p[..<cut])
        }
    }

    /// The location of the key `path` itself (falls back like `value(_:)`).
    public func key(_ path: String) -> Location? {
        keys[path] ?? value(path)
    }
}
