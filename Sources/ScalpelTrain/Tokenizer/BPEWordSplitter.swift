import ScalpelFormats

/// Cuts text into the words a trained tokenizer's pre-tokenizer will produce: the matches of GPT-2's
/// or LLaMA 3's split pattern, and any text between them, as UTF-8 bytes.
struct BPEWordSplitter {
    /// LLaMA 3's split pattern, as its `tokenizer.json` writes it.
    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    let regex: Regex<AnyRegexOutput>

    init(_ kind: BPETokenizerTrainer.PreTokenization) throws {
        let pattern = kind == .gpt2 ? PreTokenizer.gpt2Pattern : Self.llama3Pattern
        do {
            regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
            throw FormatError(file: "<tokenizer trainer>", "cannot compile the split pattern: \(error)")
        }
    }

    /// The words of `text`, in order (`Isolated` split: matches and the text between them).
    func words(_ text: String) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var last = text.startIndex
        for match in text.matches(of: regex) {
            if last < match.range.lowerBound { out.append(Array(text[last..<match.range.lowerBound].utf8)) }
            if !match.range.isEmpty { out.append(Array(text[match.range].utf8)) }
            last = match.range.upperBound
        }
        if last < text.endIndex { out.append(Array(text[last...].utf8)) }
        return out
    }
}
