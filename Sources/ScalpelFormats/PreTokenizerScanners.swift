/// Hand-written scanners for the split patterns that matter, each equivalent to its regular
/// expression under Oniguruma (which `tokenizers` uses), and a general fallback on Swift `Regex`.

/// GPT-2's pattern: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
///
/// The matches cover the whole text. A run of whitespace before a non-space keeps its last
/// character for the next word: `"\n   foo"` splits as `"\n  "`, `" foo"` (the lookahead backs off
/// one character; a single whitespace character falls through to `\s+`).
enum GPT2Scanner {
    static func matches(_ p: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        out.reserveCapacity(p.count / 4 + 1)
        let n = p.count
        var i = 0
        while i < n {
            let (c, length) = decodeUTF8Scalar(p, at: i)
            if c == 0x27, let l = contractionLength(p, at: i + 1, caseInsensitive: false) {
                out.append(i..<(i + 1 + l))
                i += 1 + l
                continue
            }
            var cls = ScalarClass.of(c)
            var j = i + length
            if c == 0x20, j < n {
                let (c2, length2) = decodeUTF8Scalar(p, at: j)
                let cls2 = ScalarClass.of(c2)
                if cls2 != .whitespace {
                    cls = cls2
                    j += length2
                }
            }
            if cls != .whitespace {
                while j < n {
                    let (d, dl) = decodeUTF8Scalar(p, at: j)
                    if ScalarClass.of(d) != cls { break }
                    j += dl
                }
                out.append(i..<j)
                i = j
                continue
            }
            let (end, count, lastStart) = whitespaceRun(p, from: i)
            if end == n || count == 1 {
                out.append(i..<end)
                i = end
            } else {
                out.append(i..<lastStart)
                i = lastStart
            }
        }
        return out
    }
}

/// Llama 3's pattern: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
/// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
enum Llama3Scanner {
    static let pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static func matches(_ p: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        out.reserveCapacity(p.count / 4 + 1)
        let n = p.count
        var i = 0
        @inline(__always) func isCRLF(_ v: UInt32) -> Bool { v == 0x0A || v == 0x0D }
        while i < n {
            let (c, length) = decodeUTF8Scalar(p, at: i)
            if c == 0x27, let l = contractionLength(p, at: i + 1, caseInsensitive: true) {
                out.append(i..<(i + 1 + l))
                i += 1 + l
                continue
            }
            let cls = ScalarClass.of(c)
            let next: (value: UInt32, length: Int)? = i + length < n ? decodeUTF8Scalar(p, at: i + length) : nil
            let nextClass = next.map { ScalarClass.of($0.value) }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if cls == .letter || (cls != .number && !isCRLF(c) && nextClass == .letter) {
                var j = cls == .letter ? i + length : i + length + next!.length
                while j < n {
                    let (d, dl) = decodeUTF8Scalar(p, at: j)
                    if ScalarClass.of(d) != .letter { break }
                    j += dl
                }
                out.append(i..<j)
                i = j
                continue
            }
            // \p{N}{1,3}
            if cls == .number {
                var j = i + length
                var count = 1
                while j < n, count < 3 {
                    let (d, dl) = decodeUTF8Scalar(p, at: j)
                    if ScalarClass.of(d) != .number { break }
                    j += dl
                    count += 1
                }
                out.append(i..<j)
                i = j
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            if cls == .other || (c == 0x20 && nextClass == .other) {
                var j = cls == .other ? i + length : i + length + next!.length
                while j < n {
                    let (d, dl) = decodeUTF8Scalar(p, at: j)
                    if ScalarClass.of(d) != .other { break }
                    j += dl
                }
                while j < n, isCRLF(UInt32(p[j])) { j += 1 }
                out.append(i..<j)
                i = j
                continue
            }
            // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
            let (end, count, lastStart) = whitespaceRun(p, from: i)
            var lastNewline = -1
            var k = i
            while k < end {
                let (d, dl) = decodeUTF8Scalar(p, at: k)
                if isCRLF(d) { lastNewline = k }
                k += dl
            }
            if lastNewline >= 0 {
                out.append(i..<(lastNewline + 1))
                i = lastNewline + 1
            } else if end == n || count == 1 {
                out.append(i..<end)
                i = end
            } else {
                out.append(i..<lastStart)
                i = lastStart
            }
        }
        return out
    }
}

/// The length after an apostrophe at `index` of `s|t|re|ve|m|ll|d`, or nil.
@inline(__always)
func contractionLength(_ p: UnsafeBufferPointer<UInt8>, at index: Int, caseInsensitive: Bool) -> Int? {
    guard index < p.count else { return nil }
    @inline(__always) func lower(_ b: UInt8) -> UInt8 {
        caseInsensitive && b >= 0x41 && b <= 0x5A ? b | 0x20 : b
    }
    let a = lower(p[index])
    switch a {
    case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
        return 1
    case UInt8(ascii: "r"), UInt8(ascii: "v"):
        return index + 1 < p.count && lower(p[index + 1]) == UInt8(ascii: "e") ? 2 : nil
    case UInt8(ascii: "l"):
        return index + 1 < p.count && lower(p[index + 1]) == UInt8(ascii: "l") ? 2 : nil
    default:
        return nil
    }
}

/// The whitespace run starting at `start`: its end, its length in scalars and where its last
/// scalar starts.
@inline(__always)
func whitespaceRun(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, count: Int, lastStart: Int) {
    var k = start
    var count = 0
    var lastStart = start
    while k < p.count {
        let (d, dl) = decodeUTF8Scalar(p, at: k)
        if ScalarClass.of(d) != .whitespace { break }
        lastStart = k
        k += dl
        count += 1
    }
    return (k, count, lastStart)
}

/// A compiled Swift `Regex`, shared read-only between threads.
final class RegexBox: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws {
        regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
    }

    func matches(_ bytes: [UInt8]) -> [Range<Int>] {
        let text = String(decoding: bytes, as: UTF8.self)
        let utf8 = text.utf8
        var out: [Range<Int>] = []
        var offset = 0
        var lastIndex = text.startIndex
        for match in text.matches(of: regex) {
            let range = match.range
            offset += utf8.distance(from: lastIndex, to: range.lowerBound)
            let length = utf8.distance(from: range.lowerBound, to: range.upperBound)
            out.append(offset..<(offset + length))
            offset += length
            lastIndex = range.upperBound
        }
        return out
    }
}

/// What a `Split` pre-tokenizer (or a `Replace` normalizer) looks for.
enum SplitMatcher: Sendable {
    case literal([UInt8])
    case gpt2
    case llama3
    case regex(RegexBox)

    init(_ pattern: PreTokenizer.SplitPattern, file: String) throws {
        switch pattern {
        case .string(let s):
            self = .literal(Array(s.utf8))
        case .regex(let r) where r == PreTokenizer.gpt2Pattern:
            self = .gpt2
        case .regex(let r) where r == Llama3Scanner.pattern:
            self = .llama3
        case .regex(let r):
            do {
                self = .regex(try RegexBox(r))
            } catch {
                throw FormatError(file: file, "unsupported split pattern \(r): \(error)")
            }
        }
    }

    func matches(_ bytes: [UInt8]) -> [Range<Int>] {
        switch self {
        case .literal(let needle): literalMatches(bytes, needle)
        case .gpt2: bytes.withUnsafeBufferPointer { GPT2Scanner.matches($0) }
        case .llama3: bytes.withUnsafeBufferPointer { Llama3Scanner.matches($0) }
        case .regex(let box): box.matches(bytes)
        }
    }
}
