import Foundation
import ScalpelFormats

/// A tokenizer `BPETokenizerTrainer` produced: its vocabulary, ranked merges and special tokens, as
/// a Hugging Face `tokenizer.json` (byte-level BPE, no normalizer, BOS added by a template).
public struct TrainedBPETokenizer: Sendable {
    public let options: BPETokenizerTrainer.Options
    /// Token (in the byte-level alphabet, or a special token's text) → id.
    public let vocab: [String: Int]
    /// Merges in rank order, as token strings.
    public let merges: [(String, String)]
    /// Special token → id.
    public let specialTokenIds: [String: Int]
    /// The alphabet the merges started from.
    public let alphabet: [UInt8]

    init(options: BPETokenizerTrainer.Options, alphabet: [UInt8], merges: [(Int, Int)], tokenBytes: [[UInt8]]) {
        self.options = options
        self.alphabet = alphabet
        var vocab: [String: Int] = [:]
        var specials: [String: Int] = [:]
        for (id, token) in options.leadingSpecialTokens.enumerated() {
            vocab[token] = id
            specials[token] = id
        }
        let spelled = tokenBytes.map { ByteLevel.encode($0) }
        for id in options.leadingSpecialTokens.count..<tokenBytes.count { vocab[spelled[id]] = id }
        for (i, token) in options.trailingSpecialTokens.enumerated() {
            vocab[token] = tokenBytes.count + i
            specials[token] = tokenBytes.count + i
        }
        self.vocab = vocab
        self.specialTokenIds = specials
        self.merges = merges.map { (spelled[$0.0], spelled[$0.1]) }
    }

    /// Ids in all, special tokens included (below the target when the corpus ran out of pairs).
    public var vocabularySize: Int { vocab.count }

    /// The `tokenizer.json` document.
    public var json: JSONValue {
        let specialsById = specialTokenIds.sorted { $0.value < $1.value }
        let added: [JSONValue] = specialsById.map { token, id in
            .object(["id": .int(id), "content": .string(token), "single_word": .bool(false), "lstrip": .bool(false),
                     "rstrip": .bool(false), "normalized": .bool(false), "special": .bool(true)])
        }
        let byteLevel: (Bool) -> JSONValue = { useRegex in
            .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(false), "trim_offsets": .bool(true),
                     "use_regex": .bool(useRegex)])
        }
        let preTokenizer: JSONValue
        switch options.preTokenization {
        case .gpt2:
            preTokenizer = byteLevel(true)
        case .llama3:
            preTokenizer = .object(["type": .string("Sequence"), "pretokenizers": .array([
                .object(["type": .string("Split"), "pattern": .object(["Regex": .string(BPEWordSplitter.llama3Pattern)]),
                         "behavior": .string("Isolated"), "invert": .bool(false)]),
                byteLevel(false),
            ])])
        }
        var postProcessor = JSONValue.null
        if let bos = options.bosToken, let id = specialTokenIds[bos] {
            func special(_ typeId: Int) -> JSONValue { .object(["SpecialToken": .object(["id": .string(bos), "type_id": .int(typeId)])]) }
            func sequence(_ name: String, _ typeId: Int) -> JSONValue {
                .object(["Sequence": .object(["id": .string(name), "type_id": .int(typeId)])])
            }
            postProcessor = .object([
                "type": .string("TemplateProcessing"),
                "single": .array([special(0), sequence("A", 0)]),
                "pair": .array([special(0), sequence("A", 0), special(1), sequence("B", 1)]),
                "special_tokens": .object([bos: .object(["id": .string(bos), "ids": .array([.int(id)]),
                                                         "tokens": .array([.string(bos)])])]),
            ])
        }
        let unk: JSONValue = specialTokenIds["<unk>"] != nil ? .string("<unk>") : .null
        let model: JSONValue = .object([
            "type": .string("BPE"), "dropout": .null, "unk_token": unk, "continuing_subword_prefix": .null,
            "end_of_word_suffix": .null, "fuse_unk": .bool(false), "byte_fallback": .bool(false),
            "ignore_merges": .bool(false),
            "vocab": .object(vocab.mapValues { .int($0) }),
            "merges": .array(merges.map { .array([.string($0.0), .string($0.1)]) }),
        ])
        return .object([
            "version": .string("1.0"), "truncation": .null, "padding": .null,
            "added_tokens": .array(added), "normalizer": .null, "pre_tokenizer": preTokenizer,
            "post_processor": postProcessor,
            "decoder": .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(true), "trim_offsets": .bool(true),
                                "use_regex": .bool(true)]),
            "model": model,
        ])
    }

    /// The `tokenizer.json` text (keys sorted, so the same training gives the same bytes).
    public var jsonText: String { json.prettyPrinted() + "\n" }

    /// The tokenizer, loaded from the JSON document exactly as a saved file would be.
    public func tokenizer() throws -> Tokenizer {
        try Tokenizer(json: json, file: "<trained tokenizer>")
    }

    /// Writes `tokenizer.json` atomically.
    public func write(to path: String) throws {
        try AtomicFile.write(jsonText, to: path)
    }
}
