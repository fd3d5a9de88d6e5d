/// The Layers screen's `/` filter: which blocks are listed.
///
/// The text is split at spaces and commas into terms; a block is listed when any term matches it:
/// `7` (block 7), `2-5` (blocks 2 to 5; `8-` from 8 on, `-3` up to 3), or a prefix of `marked` /
/// `unmarked` (`m`, `un`). Empty text lists every block; a term that is none of these matches nothing.
public struct LayerFilter: Hashable, Sendable {
    /// One term of the filter.
    enum Term: Hashable, Sendable {
        /// Blocks in this range (inclusive).
        case blocks(ClosedRange<Int>)
        /// Blocks marked to drop (`true`) or not.
        case marked(Bool)
        /// A term that matches nothing.
        case nothing
    }

    /// The text as typed.
    public var text: String
    /// The parsed terms (empty: everything matches).
    let terms: [Term]

    /// Parses `text`.
    public init(_ text: String) {
        self.text = text
        terms = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "," }).map { Self.term(String($0)) }
    }

    /// Whether the filter lists every block.
    public var isEmpty: Bool { terms.isEmpty }

    /// Whether block `layer` (marked or not) is listed.
    public func matches(layer: Int, marked: Bool) -> Bool {
        guard !terms.isEmpty else { return true }
        return terms.contains { term in
            switch term {
            case .blocks(let range): range.contains(layer)
            case .marked(let want): marked == want
            case .nothing: false
            }
        }
    }

    /// One term: a number, a range, or a prefix of `marked` / `unmarked`.
    static func term(_ word: String) -> Term {
        if let n = Int(word), n >= 0 { return .blocks(n...n) }
        if let dash = word.firstIndex(of: "-") {
            let lo = word[..<dash], hi = word[word.index(after: dash)...]
            let from = lo.isEmpty ? 0 : Int(lo)
            let to = hi.isEmpty ? Int.max : Int(hi)
            if let from, let to, from >= 0, from <= to, !(lo.isEmpty && hi.isEmpty) { return .blocks(from...to) }
            return .nothing
        }
        if "marked".hasPrefix(word) { return .marked(true) }
        if "unmarked".hasPrefix(word) { return .marked(false) }
        return .nothing
    }
}
