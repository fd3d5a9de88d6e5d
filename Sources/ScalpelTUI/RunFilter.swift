/// The Compare screen's `/` filter: which runs are listed.
///
/// The text is split at spaces into words; a run is listed when every word appears (ignoring case) in
/// its id, status or quantization (such as `awq 4-bit g32`, `16-bit`).
public struct RunFilter: Hashable, Sendable {
    /// The text as typed.
    public var text: String
    /// The words, lowercased.
    let words: [String]

    /// Parses `text`.
    public init(_ text: String) {
        self.text = text
        words = text.lowercased().split(separator: " ").map(String.init)
    }

    /// Whether the filter lists every run.
    public var isEmpty: Bool { words.isEmpty }

    /// Whether `run` is listed.
    public func matches(_ run: RunRecord) -> Bool {
        guard !words.isEmpty else { return true }
        let haystack = [run.id, run.status, run.quantization ?? ""].joined(separator: " ").lowercased()
        return words.allSatisfy { haystack.contains($0) }
    }
}
