/// Turning token strings back into text: the `decoder` of a `tokenizer.json`.
///
/// Each step rewrites the list of token strings (`decode_chain` in `tokenizers`); the result is
/// their concatenation. LLaMA files use `Sequence[Replace("▁", " "), ByteFallback, Fuse,
/// Strip(" ", 1, 0)]`; byte-level files use `ByteLevel`.
public indirect enum TokenizerDecoder: Sendable, Equatable {
    /// Maps byte-level characters back to bytes and decodes UTF-8 (invalid bytes become U+FFFD).
    case byteLevel
    /// Replaces a literal string in every token.
    case replace(pattern: String, content: String)
    /// Turns runs of `<0xNN>` tokens into the text their bytes spell (U+FFFD per byte if invalid).
    case byteFallback
    /// Joins all tokens into one.
    case fuse
    /// Removes up to `start` leading and `stop` trailing copies of `content` from every token.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    /// `▁` → space; in the first token `▁` is dropped unless the scheme is `never`.
    case metaspace(replacement: String, prependScheme: PreTokenizer.PrependScheme)
    case sequence([TokenizerDecoder])

    /// Applies this step to a list of tokens.
    public func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                if let b = ByteLevel.decode(token) {
                    bytes.append(contentsOf: b)
                } else {
                    bytes.append(contentsOf: token.utf8)
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .replace(let pattern, let content):
            return tokens.map { TokenizerNormalizer.replace(pattern: pattern, content: content).normalize($0) }
        case .byteFallback:
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validatingUTF8Bytes: pending) {
                    out.append(s)
                } else {
                    out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Self.fallbackByte(token) {
                    pending.append(byte)
                } else {
                    flush()
                    out.append(token)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var cutStart = 0
                while cutStart < min(start, scalars.count), scalars[cutStart] == content { cutStart += 1 }
                var cutStop = scalars.count
                var removed = 0
                while removed < stop, cutStop > cutStart, scalars[cutStop - 1] == content {
                    cutStop -= 1
                    removed += 1
                }
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[cutStart..<cutStop])
                return String(view)
            }
        case .metaspace(let replacement, let scheme):
            // As `tokenizers` does: in the first token every replacement character is dropped
            // (unless the scheme is `never`); elsewhere each becomes a space.
            return tokens.enumerated().map { i, token in
                var view = String.UnicodeScalarView()
                for s in token.unicodeScalars {
                    if String(s) == replacement {
                        if i == 0, scheme != .never { continue }
                        view.append(" ")
                    } else {
                        view.append(s)
                    }
                }
                return String(view)
            }
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decodeChain($0) }
        }
    }

    /// Decodes tokens into text.
    public func decode(_ tokens: [String]) -> String {
        decodeChain(tokens).joined()
    }

    /// The byte a `<0xNN>` token stands for.
    static func fallbackByte(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == UInt8(ascii: "<"), u[1] == UInt8(ascii: "0"), u[2] == UInt8(ascii: "x"),
              u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }
}

extension String {
    /// The string the bytes spell, or nil when they are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): scalars.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(scalars)
    }
}
