/// A token matched whole in the text before anything else runs (`added_tokens` of a
/// `tokenizer.json`): special tokens such as `<s>` or `<|im_start|>`, and user-added ones.
public struct AddedToken: Sendable, Equatable {
    public var id: Int
    public var content: String
    /// Special tokens are dropped by `decode(_:skipSpecialTokens: true)`.
    public var special: Bool
    /// Also swallow the whitespace before the token.
    public var lstrip: Bool
    /// Also swallow the whitespace after the token.
    public var rstrip: Bool
    /// Match only when not inside a word.
    public var singleWord: Bool
    /// Match in the normalized text (against the normalized content) rather than in the raw text.
    public var normalized: Bool

    public init(id: Int, content: String, special: Bool, lstrip: Bool = false, rstrip: Bool = false,
                singleWord: Bool = false, normalized: Bool = false) {
        self.id = id
        self.content = content
        self.special = special
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.singleWord = singleWord
        self.normalized = normalized
    }
}

/// Finds added tokens in text, leftmost-longest, as `AddedVocabulary::find_matches` does.
struct AddedTokenMatcher: Sendable {
    struct Pattern: Sendable {
        var bytes: [UInt8]
        var token: AddedToken
    }

    /// Patterns grouped by first byte, longest first.
    let byFirstByte: [[Pattern]]
    let isEmpty: Bool

    init(_ tokens: [AddedToken], spelling: (AddedToken) -> String) {
        var groups = [[Pattern]](repeating: [], count: 256)
        var any = false
        for token in tokens {
            let bytes = Array(spelling(token).utf8)
            guard let first = bytes.first else { continue }
            groups[Int(first)].append(Pattern(bytes: bytes, token: token))
            any = true
        }
        for i in groups.indices { groups[i].sort { $0.bytes.count > $1.bytes.count } }
        byFirstByte = groups
        isEmpty = !any
    }

    /// Splits text into plain segments (id nil) and matched tokens (with their id), in order.
    /// Empty plain segments are left out.
    func split(_ text: [UInt8]) -> [(range: Range<Int>, id: Int?)] {
        if isEmpty || text.isEmpty { return text.isEmpty ? [] : [(0..<text.count, nil)] }
        var out: [(range: Range<Int>, id: Int?)] = []
        var segmentStart = 0
        var i = 0
        let n = text.count
        while i < n {
            var found: Pattern?
            for pattern in byFirstByte[Int(text[i])] where i + pattern.bytes.count <= n {
                if text[i..<(i + pattern.bytes.count)].elementsEqual(pattern.bytes) {
                    found = pattern
                    break
                }
            }
            guard let pattern = found else {
                i += 1
                continue
            }
            var start = i
            var stop = i + pattern.bytes.count
            let token = pattern.token
            if token.singleWord {
                let startOK = start == 0 || !Self.isWordCharacter(Self.scalar(endingAt: start, in: text))
                let stopOK = stop == n || !Self.isWordCharacter(Self.scalar(startingAt: stop, in: text))
                if !startOK || !stopOK {
                    i += 1
                    continue
                }
            }
            if token.lstrip {
                var s = start
                while s > segmentStart, let v = Self.scalarBefore(s, in: text), ScalarClass.of(v.value) == .whitespace {
                    s -= v.length
                }
                start = s
            }
            if token.rstrip {
                while stop < n {
                    let (v, l) = text.withUnsafeBufferPointer { decodeUTF8Scalar($0, at: stop) }
                    if ScalarClass.of(v) != .whitespace { break }
                    stop += l
                }
            }
            if segmentStart < start { out.append((segmentStart..<start, nil)) }
            out.append((start..<stop, token.id))
            segmentStart = stop
            i = stop
        }
        if segmentStart < n { out.append((segmentStart..<n, nil)) }
        return out
    }

    static func isWordCharacter(_ v: UInt32?) -> Bool {
        guard let v else { return false }
        if v == UInt32(UInt8(ascii: "_")) { return true }
        let c = ScalarClass.of(v)
        return c == .letter || c == .number
    }

    static func scalarBefore(_ end: Int, in text: [UInt8]) -> (value: UInt32, length: Int)? {
        guard end > 0 else { return nil }
        var s = end - 1
        while s > 0, text[s] & 0xC0 == 0x80 { s -= 1 }
        let (v, l) = text.withUnsafeBufferPointer { decodeUTF8Scalar($0, at: s) }
        return (v, l)
    }

    static func scalar(endingAt end: Int, in text: [UInt8]) -> UInt32? {
        scalarBefore(end, in: text)?.value
    }

    static func scalar(startingAt start: Int, in text: [UInt8]) -> UInt32? {
        guard start < text.count else { return nil }
        return text.withUnsafeBufferPointer { decodeUTF8Scalar($0, at: start).value }
    }
}
