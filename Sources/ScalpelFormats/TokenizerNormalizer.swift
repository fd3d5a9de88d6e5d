import Foundation

/// Text rewriting before pre-tokenization: the `normalizer` of a `tokenizer.json`.
///
/// LLaMA-1/2 (and Vicuna, LLaVA-1.5) files use `Sequence[Prepend("▁"), Replace(" ", "▁")]`.
public indirect enum TokenizerNormalizer: Sendable, Equatable {
    /// Prepends a string to non-empty text.
    case prepend(String)
    /// Replaces every occurrence of a literal string.
    case replace(pattern: String, content: String)
    /// Replaces every match of a regular expression.
    case replaceRegex(pattern: String, content: String)
    case nfc, nfd, nfkc, nfkd
    case lowercase
    /// Removes leading and/or trailing whitespace.
    case strip(left: Bool, right: Bool)
    case sequence([TokenizerNormalizer])

    /// Applies the normalizer to one piece of text.
    public func normalize(_ text: String) -> String {
        switch self {
        case .prepend(let prefix):
            return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content):
            guard !pattern.isEmpty else { return text }
            let bytes = Array(text.utf8)
            let needle = Array(pattern.utf8)
            let matches = literalMatches(bytes, needle)
            if matches.isEmpty { return text }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var previous = 0
            let replacement = Array(content.utf8)
            for m in matches {
                out.append(contentsOf: bytes[previous..<m.lowerBound])
                out.append(contentsOf: replacement)
                previous = m.upperBound
            }
            out.append(contentsOf: bytes[previous...])
            return String(decoding: out, as: UTF8.self)
        case .replaceRegex(let pattern, let content):
            guard let box = try? RegexBox(pattern) else { return text }
            let bytes = Array(text.utf8)
            var out: [UInt8] = []
            var previous = 0
            for m in box.matches(bytes) {
                out.append(contentsOf: bytes[previous..<m.lowerBound])
                out.append(contentsOf: content.utf8)
                previous = m.upperBound
            }
            out.append(contentsOf: bytes[previous...])
            return String(decoding: out, as: UTF8.self)
        case .nfc: return text.precomposedStringWithCanonicalMapping
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        case .nfkd: return text.decomposedStringWithCompatibilityMapping
        case .lowercase: return text.lowercased()
        case .strip(let left, let right):
            var scalars = Substring(text).unicodeScalars
            if left { while let f = scalars.first, f.properties.isWhitespace { scalars.removeFirst() } }
            if right { while let l = scalars.last, l.properties.isWhitespace { scalars.removeLast() } }
            return String(scalars)
        case .sequence(let steps):
            return steps.reduce(text) { $1.normalize($0) }
        }
    }
}
