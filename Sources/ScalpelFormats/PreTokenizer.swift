/// How text is cut into words before BPE, as the `pre_tokenizer` of a `tokenizer.json`.
///
/// Every kind that LLaMA, Vicuna/LLaVA-1.5 and SmolLM2 tokenizers use is here, with the semantics of
/// Hugging Face `tokenizers`:
/// - `byteLevel`: GPT-2's split (`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`)
///   when `useRegex`, then every byte is spelled in the byte-level alphabet. It must come last in a
///   sequence, since the splits after it would see the respelled text.
/// - `split`: cut on a literal string or a regular expression with one of five delimiter behaviours.
/// - `digits`: isolate each digit, or each run of digits.
/// - `metaspace`: spaces become `▁`, a `▁` is prepended (always, or only at the very start of the
///   text), and optionally the text is cut before each `▁`.
/// - `whitespaceSplit`: cut on whitespace, dropping it.
public indirect enum PreTokenizer: Sendable, Equatable {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(pattern: SplitPattern, behavior: SplitBehavior, invert: Bool)
    case digits(individualDigits: Bool)
    case metaspace(replacement: String, prependScheme: PrependScheme, split: Bool)
    case whitespaceSplit
    case sequence([PreTokenizer])

    /// What a `split` pre-tokenizer cuts on.
    public enum SplitPattern: Sendable, Equatable {
        case string(String)
        /// A regular expression in Oniguruma syntax (as `tokenizers` writes it).
        case regex(String)
    }

    /// What happens to the delimiters a split finds (`SplitDelimiterBehavior`).
    public enum SplitBehavior: String, Sendable, Equatable {
        case removed = "Removed"
        case isolated = "Isolated"
        case mergedWithPrevious = "MergedWithPrevious"
        case mergedWithNext = "MergedWithNext"
        case contiguous = "Contiguous"
    }

    /// When `metaspace` prepends its replacement character.
    public enum PrependScheme: String, Sendable, Equatable {
        case always, first, never
    }

    /// GPT-2's split pattern, which `byteLevel` uses.
    public static let gpt2Pattern =
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// Whether the words this produces are spelled in the byte-level alphabet.
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: true
        case .sequence(let steps): steps.contains { $0.isByteLevel }
        default: false
        }
    }
}

/// A piece of text on its way to the model, in UTF-8, and whether it begins the input text.
struct TextPiece {
    var bytes: [UInt8]
    var atStart: Bool
}

/// A pre-tokenizer ready to run: regular expressions compiled once.
struct CompiledPreTokenizer: Sendable {
    enum Step: Sendable {
        case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
        case split(SplitMatcher, PreTokenizer.SplitBehavior, invert: Bool)
        case digits(individual: Bool)
        case metaspace(replacement: [UInt8], prependScheme: PreTokenizer.PrependScheme, split: Bool)
        case whitespaceSplit
    }

    let steps: [Step]

    init(_ preTokenizer: PreTokenizer, file: String) throws {
        var steps: [Step] = []
        func add(_ p: PreTokenizer) throws {
            switch p {
            case .byteLevel(let prefix, let useRegex):
                steps.append(.byteLevel(addPrefixSpace: prefix, useRegex: useRegex))
            case .split(let pattern, let behavior, let invert):
                steps.append(.split(try SplitMatcher(pattern, file: file), behavior, invert: invert))
            case .digits(let individual):
                steps.append(.digits(individual: individual))
            case .metaspace(let replacement, let scheme, let split):
                steps.append(.metaspace(replacement: Array(replacement.utf8), prependScheme: scheme, split: split))
            case .whitespaceSplit:
                steps.append(.whitespaceSplit)
            case .sequence(let inner):
                for q in inner { try add(q) }
            }
        }
        try add(preTokenizer)
        if let last = steps.indices.last, steps[..<last].contains(where: { if case .byteLevel = $0 { true } else { false } }) {
            throw FormatError(file: file, "pre_tokenizer: ByteLevel must be the last step of a Sequence")
        }
        self.steps = steps
    }

    /// Cuts pieces into words.
    func run(_ pieces: [TextPiece]) -> [TextPiece] {
        var pieces = pieces
        for step in steps {
            var next: [TextPiece] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces {
                apply(step, to: piece, into: &next)
            }
            pieces = next
        }
        return pieces
    }

    private func apply(_ step: Step, to piece: TextPiece, into out: inout [TextPiece]) {
        switch step {
        case .byteLevel(let addPrefixSpace, let useRegex):
            var bytes = piece.bytes
            if addPrefixSpace, bytes.first != UInt8(ascii: " ") { bytes.insert(UInt8(ascii: " "), at: 0) }
            if useRegex {
                let ranges = bytes.withUnsafeBufferPointer { GPT2Scanner.matches($0) }
                emit(bytes, splitting(ranges, count: bytes.count, behavior: .isolated, invert: false), atStart: piece.atStart, into: &out)
            } else if !bytes.isEmpty {
                out.append(TextPiece(bytes: bytes, atStart: piece.atStart))
            }
        case .split(let matcher, let behavior, let invert):
            let ranges = matcher.matches(piece.bytes)
            emit(piece.bytes, splitting(ranges, count: piece.bytes.count, behavior: behavior, invert: invert),
                 atStart: piece.atStart, into: &out)
        case .digits(let individual):
            let ranges = scalarMatches(piece.bytes) { ScalarClass.of($0) == .number }
            emit(piece.bytes, splitting(ranges, count: piece.bytes.count, behavior: individual ? .isolated : .contiguous,
                                        invert: false), atStart: piece.atStart, into: &out)
        case .whitespaceSplit:
            let ranges = scalarMatches(piece.bytes) { ScalarClass.of($0) == .whitespace }
            emit(piece.bytes, splitting(ranges, count: piece.bytes.count, behavior: .removed, invert: false),
                 atStart: piece.atStart, into: &out)
        case .metaspace(let replacement, let scheme, let split):
            var bytes = replacingSpaces(piece.bytes, with: replacement)
            let startsWithReplacement = bytes.starts(with: replacement)
            switch scheme {
            case .always where !startsWithReplacement,
                 .first where !startsWithReplacement && piece.atStart:
                bytes.insert(contentsOf: replacement, at: 0)
            default: break
            }
            if split {
                let ranges = literalMatches(bytes, replacement)
                emit(bytes, splitting(ranges, count: bytes.count, behavior: .mergedWithNext, invert: false),
                     atStart: piece.atStart, into: &out)
            } else if !bytes.isEmpty {
                out.append(TextPiece(bytes: bytes, atStart: piece.atStart))
            }
        }
    }

    private func emit(_ bytes: [UInt8], _ ranges: [Range<Int>], atStart: Bool, into out: inout [TextPiece]) {
        for r in ranges where !r.isEmpty {
            out.append(TextPiece(bytes: Array(bytes[r]), atStart: atStart && r.lowerBound == 0))
        }
    }
}

/// Turns the matches of a pattern into pieces, as `NormalizedString::split` does.
func splitting(_ matches: [Range<Int>], count: Int, behavior: PreTokenizer.SplitBehavior, invert: Bool) -> [Range<Int>] {
    // Every byte of the text, as (range, isMatch) in order.
    var parts: [(Range<Int>, Bool)] = []
    parts.reserveCapacity(matches.count * 2 + 1)
    var previous = 0
    for m in matches {
        if previous < m.lowerBound { parts.append((previous..<m.lowerBound, invert)) }
        parts.append((m, !invert))
        previous = m.upperBound
    }
    if previous < count { parts.append((previous..<count, invert)) }

    switch behavior {
    case .isolated:
        return parts.map(\.0)
    case .removed:
        return parts.filter { !$0.1 }.map(\.0)
    case .contiguous:
        var out: [Range<Int>] = []
        var previousMatch = false
        for (r, isMatch) in parts {
            if isMatch == previousMatch, let last = out.last {
                out[out.count - 1] = last.lowerBound..<r.upperBound
            } else {
                out.append(r)
            }
            previousMatch = isMatch
        }
        return out
    case .mergedWithPrevious:
        var out: [Range<Int>] = []
        var previousMatch = false
        for (r, isMatch) in parts {
            if isMatch, !previousMatch, let last = out.last {
                out[out.count - 1] = last.lowerBound..<r.upperBound
            } else {
                out.append(r)
            }
            previousMatch = isMatch
        }
        return out
    case .mergedWithNext:
        var out: [Range<Int>] = []
        var previousMatch = false
        for (r, isMatch) in parts.reversed() {
            if isMatch, !previousMatch, let last = out.last {
                out[out.count - 1] = r.lowerBound..<last.upperBound
            } else {
                out.append(r)
            }
            previousMatch = isMatch
        }
        return out.reversed()
    }
}

/// One match per scalar that satisfies `predicate`.
func scalarMatches(_ bytes: [UInt8], _ predicate: (UInt32) -> Bool) -> [Range<Int>] {
    bytes.withUnsafeBufferPointer { p in
        var out: [Range<Int>] = []
        var i = 0
        while i < p.count {
            let (value, length) = decodeUTF8Scalar(p, at: i)
            if predicate(value) { out.append(i..<(i + length)) }
            i += length
        }
        return out
    }
}

/// Non-overlapping occurrences of `needle`, left to right.
func literalMatches(_ bytes: [UInt8], _ needle: [UInt8]) -> [Range<Int>] {
    guard !needle.isEmpty, bytes.count >= needle.count else { return [] }
    var out: [Range<Int>] = []
    var i = 0
    let first = needle[0]
    while i + needle.count <= bytes.count {
        if bytes[i] == first, bytes[i..<(i + needle.count)].elementsEqual(needle) {
            out.append(i..<(i + needle.count))
            i += needle.count
        } else {
            i += 1
        }
    }
    return out
}

/// Every `" "` replaced by `replacement`.
func replacingSpaces(_ bytes: [UInt8], with replacement: [UInt8]) -> [UInt8] {
    guard bytes.contains(UInt8(ascii: " ")) else { return bytes }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + bytes.count / 2)
    for b in bytes {
        if b == UInt8(ascii: " ") { out.append(contentsOf: replacement) } else { out.append(b) }
    }
    return out
}
