import ScalpelFormats

/// Trains a byte-level BPE tokenizer (GPT-2 / LLaMA-3 style) on a text corpus, the way Hugging Face
/// `tokenizers`' `BpeTrainer` does, and produces a `tokenizer.json` that `Tokenizer` and
/// `tokenizers` both load.
///
/// 1. Special tokens are cut out of the text (they are matched whole at encoding time and never
///    reach BPE); the rest is split into words by the pre-tokenizer's pattern and counted.
/// 2. The alphabet is every byte (`fullByteAlphabet`, so no text is ever unknown) or only the bytes
///    the corpus holds (unseen bytes then encode as `<unk>`).
/// 3. Repeatedly, the adjacent pair of tokens that occurs most often (weighted by word counts) is
///    merged into a new token, until the vocabulary reaches `vocabSize` or no pair occurs
///    `minFrequency` times. Ties go to the pair whose left token's bytes sort first, then the right
///    token's, so the result depends on the corpus alone — never on hashing or feeding order
///    within a line.
///
/// Ids: the leading special tokens first (`<unk>`, `<s>`, `</s>`: LLaMA's 0, 1, 2), then the
/// alphabet in byte order, then merged tokens in merge order, then the trailing special tokens
/// (`<pad>`, `<image>`: as LLaVA appends `<image>` after the text vocabulary).
public struct BPETokenizerTrainer: Sendable {
    /// How text is cut into words before BPE.
    public enum PreTokenization: String, Sendable, CaseIterable {
        /// GPT-2's pattern inside `ByteLevel` (`'s|'t|… ?\p{L}+| ?\p{N}+|…`).
        case gpt2
        /// LLaMA 3's `Split` pattern (case-insensitive contractions, digits in groups of three)
        /// before a regex-free `ByteLevel`.
        case llama3
    }

    /// What to train.
    public struct Options: Sendable {
        /// Total ids, special tokens included.
        public var vocabSize: Int
        /// A pair must occur this often (weighted by word counts) to be merged.
        public var minFrequency: Int
        /// Special tokens with the first ids.
        public var leadingSpecialTokens: [String]
        /// Special tokens with the last ids.
        public var trailingSpecialTokens: [String]
        /// Start from all 256 bytes (true) or only from the bytes the corpus holds.
        public var fullByteAlphabet: Bool
        public var preTokenization: PreTokenization
        /// The beginning-of-sequence token `encode(_:addSpecialTokens: true)` puts first (nil: none).
        public var bosToken: String?

        /// - Parameter vocabSize: total ids, special tokens included.
        public init(vocabSize: Int, minFrequency: Int = 2,
                    leadingSpecialTokens: [String] = ["<unk>", "<s>", "</s>"],
                    trailingSpecialTokens: [String] = ["<pad>", "<image>"],
                    fullByteAlphabet: Bool = true, preTokenization: PreTokenization = .gpt2, bosToken: String? = "<s>") {
            self.vocabSize = vocabSize
            self.minFrequency = minFrequency
            self.leadingSpecialTokens = leadingSpecialTokens
            self.trailingSpecialTokens = trailingSpecialTokens
            self.fullByteAlphabet = fullByteAlphabet
            self.preTokenization = preTokenization
            self.bosToken = bosToken
        }

        /// All special tokens, in id order.
        public var specialTokens: [String] { leadingSpecialTokens + trailingSpecialTokens }

        /// Throws for settings no tokenizer can be trained with.
        public func validate() throws {
            let specials = specialTokens
            if specials.contains(where: \.isEmpty) { throw Self.error("special tokens must not be empty") }
            if Set(specials).count != specials.count { throw Self.error("a special token is listed twice") }
            if let bosToken, !specials.contains(bosToken) {
                throw Self.error("the BOS token \(bosToken.debugDescription) is not one of the special tokens")
            }
            if minFrequency < 1 { throw Self.error("the minimum pair frequency must be at least 1 (got \(minFrequency))") }
            let floor = specials.count + (fullByteAlphabet ? 256 : 1)
            if vocabSize < floor {
                throw Self.error("a vocabulary of \(vocabSize) cannot hold the \(specials.count) special tokens"
                                 + (fullByteAlphabet ? " and the 256 bytes (at least \(floor))" : " and an alphabet"))
            }
            if vocabSize > 1 << 24 { throw Self.error("a vocabulary of \(vocabSize) is too large (at most \(1 << 24))") }
        }

        static func error(_ problem: String) -> FormatError { FormatError(file: "<tokenizer trainer>", problem) }
    }

    public let options: Options
    /// Line → occurrences; lines are split into words when `train` runs (repeated lines are common
    /// in templated text, and splitting is the slow part).
    private var lineCounts: [String: Int] = [:]

    /// - Throws: `FormatError` for invalid options.
    public init(options: Options) throws {
        try options.validate()
        self.options = options
    }

    /// Adds text to the corpus. Each line (with its newline) is one sequence; special tokens in it
    /// are cut out.
    public mutating func add(text: String) {
        var start = text.startIndex
        while start < text.endIndex {
            let end = text[start...].firstIndex(of: "\n").map { text.index(after: $0) } ?? text.endIndex
            lineCounts[String(text[start..<end]), default: 0] += 1
            start = end
        }
    }

    /// Adds one sequence as is (no splitting at newlines).
    public mutating func add(sequence: String, count: Int = 1) {
        guard !sequence.isEmpty, count > 0 else { return }
        lineCounts[sequence, default: 0] += count
    }

    /// Trains the tokenizer.
    ///
    /// - Parameter progress: called with (tokens so far, target) every few merges.
    /// - Throws: `FormatError` when the corpus holds no text.
    public func train(progress: ((Int, Int) -> Void)? = nil) throws -> TrainedBPETokenizer {
        let words = try countWords()
        guard !words.isEmpty else {
            throw Options.error("the corpus holds no text to train on (empty, or only special tokens)")
        }
        var merger = BPEMerger(words: words, fullByteAlphabet: options.fullByteAlphabet,
                               firstId: options.leadingSpecialTokens.count)
        let specials = Set(options.specialTokens.map { Array($0.utf8) })
        let target = options.vocabSize - options.trailingSpecialTokens.count
        merger.run(untilTokens: target, minFrequency: options.minFrequency,
                   forbidden: { specials.contains($0) || specials.contains(Array(ByteLevel.encode($0).utf8)) },
                   progress: progress)
        return TrainedBPETokenizer(options: options, alphabet: merger.alphabet, merges: merger.merges,
                                   tokenBytes: merger.tokenBytes)
    }

    /// The corpus's words and their counts.
    func countWords() throws -> [[UInt8]: Int] {
        var counts: [[UInt8]: Int] = [:]
        let splitter = try BPEWordSplitter(options.preTokenization)
        let specials = options.specialTokens.sorted { $0.utf8.count > $1.utf8.count }
        for line in lineCounts.keys.sorted() {
            let n = lineCounts[line]!
            for segment in Self.cutting(line, at: specials) {
                for word in splitter.words(segment) { counts[word, default: 0] += n }
            }
        }
        return counts
    }

    /// `text` with every occurrence of the special tokens removed, as the pieces between them
    /// (longest token first at each position, as the added-token matcher does).
    static func cutting(_ text: String, at specials: [String]) -> [String] {
        guard specials.contains(where: { text.contains($0) }) else { return text.isEmpty ? [] : [text] }
        let bytes = Array(text.utf8)
        let patterns = specials.map { Array($0.utf8) }
        var pieces: [String] = []
        var segmentStart = 0
        var i = 0
        while i < bytes.count {
            if let p = patterns.first(where: { i + $0.count <= bytes.count && bytes[i..<(i + $0.count)].elementsEqual($0) }) {
                if segmentStart < i { pieces.append(String(decoding: bytes[segmentStart..<i], as: UTF8.self)) }
                i += p.count
                segmentStart = i
            } else {
                i += 1
            }
        }
        if segmentStart < bytes.count { pieces.append(String(decoding: bytes[segmentStart...], as: UTF8.self)) }
        return pieces
    }
}
