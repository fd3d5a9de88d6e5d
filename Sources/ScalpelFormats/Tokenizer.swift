/// A BPE tokenizer: byte-level (GPT-2 style, as SmolLM2) or SentencePiece-style (LLaMA, Vicuna,
/// LLaVA-1.5), with the pipeline of Hugging Face `tokenizers`:
///
/// 1. added tokens are cut out of the raw text (those with `normalized: false`);
/// 2. each remaining segment is normalized, and added tokens with `normalized: true` are cut out of it;
/// 3. the pre-tokenizer cuts segments into words;
/// 4. BPE turns each word into ids;
/// 5. with `addSpecialTokens`, the post-processor adds BOS/EOS.
///
/// Build one with `init(json:file:)` / `init(contentsOf:)` from a `tokenizer.json`, or with
/// `init(ggufMetadata:)` from a GGUF file's metadata.
public struct Tokenizer: Sendable {
    /// The BPE model.
    public let model: BPE
    /// Tokens matched whole before anything else, in the file's order.
    public let addedTokens: [AddedToken]
    public let normalizer: TokenizerNormalizer?
    public let preTokenizer: PreTokenizer?
    public let postProcessor: TokenizerPostProcessor?
    public let decoder: TokenizerDecoder?

    public var bosTokenId: Int?
    public var eosTokenId: Int?
    public var padTokenId: Int?
    public var unkTokenId: Int?
    /// The Jinja chat template the files carry, if any.
    public var chatTemplate: String?

    let compiledPreTokenizer: CompiledPreTokenizer?
    let rawMatcher: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    let addedById: [Int: AddedToken]
    let addedByContent: [String: Int]
    /// How each added token is spelled on the way out: its content, or for a `normalized` token its
    /// normalized content (`tokenizers` stores and decodes those normalized, e.g. `▁<note>`).
    let addedSpelling: [Int: String]

    /// Assembles a tokenizer from its parts.
    ///
    /// - Parameter file: named in errors.
    public init(model: BPE, addedTokens: [AddedToken] = [], normalizer: TokenizerNormalizer? = nil,
                preTokenizer: PreTokenizer? = nil, postProcessor: TokenizerPostProcessor? = nil,
                decoder: TokenizerDecoder? = nil, file: String = "<tokenizer>") throws {
        self.model = model
        self.addedTokens = addedTokens
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.compiledPreTokenizer = try preTokenizer.map { try CompiledPreTokenizer($0, file: file) }
        if model.byteLevel != (preTokenizer?.isByteLevel ?? false) {
            throw FormatError(file: file, "the BPE model and the pre-tokenizer disagree on byte-level spelling")
        }
        rawMatcher = AddedTokenMatcher(addedTokens.filter { !$0.normalized }) { $0.content }
        normalizedMatcher = AddedTokenMatcher(addedTokens.filter { $0.normalized }) { token in
            normalizer?.normalize(token.content) ?? token.content
        }
        var byId: [Int: AddedToken] = [:]
        var byContent: [String: Int] = [:]
        var spelling: [Int: String] = [:]
        for token in addedTokens {
            byId[token.id] = token
            let spelled = token.normalized ? normalizer?.normalize(token.content) ?? token.content : token.content
            spelling[token.id] = spelled
            byContent[spelled] = token.id
            byContent[token.content] = token.id
        }
        addedById = byId
        addedByContent = byContent
        addedSpelling = spelling
        unkTokenId = model.unkTokenId
    }

    /// The number of ids: one past the largest id of the vocabulary or the added tokens.
    public var vocabularySize: Int {
        max(model.idToToken.count, (addedTokens.map(\.id).max() ?? -1) + 1)
    }

    /// The id of a token string (added tokens first, then the vocabulary).
    public func id(for token: String) -> Int? {
        addedByContent[token] ?? model.vocab[token]
    }

    /// The token string of an id (for an added token with `normalized: true`, its normalized
    /// spelling, as `tokenizers` reports it).
    public func token(for id: Int) -> String? {
        addedSpelling[id] ?? model.token(for: id)
    }

    /// Whether an id is a special added token (skipped by `decode(_:skipSpecialTokens: true)`).
    public func isSpecial(_ id: Int) -> Bool {
        addedById[id]?.special ?? false
    }

    /// The token strings of ids (unknown ids are left out).
    public func tokens(for ids: [Int]) -> [String] {
        ids.compactMap { token(for: $0) }
    }

    /// Encodes text into token ids.
    ///
    /// - Parameter addSpecialTokens: run the post-processor (for example to add BOS).
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int] {
        let bytes = Array(text.utf8)
        var ids: [Int] = []
        ids.reserveCapacity(bytes.count / 3 + 4)
        for (range, id) in rawMatcher.split(bytes) {
            if let id {
                ids.append(id)
                continue
            }
            var segment = Array(bytes[range])
            if let normalizer {
                segment = Array(normalizer.normalize(String(decoding: segment, as: UTF8.self)).utf8)
            }
            for (inner, innerId) in normalizedMatcher.split(segment) {
                if let innerId {
                    ids.append(innerId)
                    continue
                }
                let piece = TextPiece(bytes: Array(segment[inner]), atStart: range.lowerBound == 0 && inner.lowerBound == 0)
                let words = compiledPreTokenizer?.run([piece]) ?? [piece]
                for word in words {
                    model.encodeWord(word.bytes, into: &ids)
                }
            }
        }
        if addSpecialTokens, let postProcessor {
            ids = postProcessor.apply(ids)
        }
        return ids
    }

    /// Decodes ids into text: tokens go through the decoder (ids with no token are left out).
    ///
    /// - Parameter skipSpecialTokens: leave out special added tokens (BOS, EOS, `<|im_end|>`, ...).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let added = addedById[id] {
                if skipSpecialTokens && added.special { continue }
                tokens.append(addedSpelling[id] ?? added.content)
            } else if let t = model.token(for: id) {
                tokens.append(t)
            }
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens)
    }
}
