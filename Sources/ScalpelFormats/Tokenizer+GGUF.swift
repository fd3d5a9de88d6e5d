extension Tokenizer {
    /// Split patterns transformers uses for `tokenizer.ggml.pre` values (byte-level files only).
    /// Any other value keeps GPT-2's split.
    static let ggufPreTokenizerSplits: [String: String] = {
        let llama3 = Llama3Scanner.pattern
        let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let qwen35 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let tekken = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let gpt4o = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        var table: [String: String] = [:]
        for name in ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                     "jina-v5-nano", "dbrx", "smaug-bpe"] { table[name] = llama3 }
        for name in ["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez"] { table[name] = qwen2 }
        table["qwen35"] = qwen35
        table["tekken"] = tekken
        for name in ["gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"] { table[name] = gpt4o }
        return table
    }()

    /// Reads the tokenizer of a GGUF file (see `init(ggufMetadata:file:)`).
    public init(gguf: GGUFFile) throws {
        try self.init(ggufMetadata: gguf.metadata, file: gguf.path)
    }

    /// Builds the tokenizer a GGUF file describes, the way transformers does
    /// (`integrations/gguf/gguf_tokenizer_mapping.py`, transformers 5.x).
    ///
    /// - `tokenizer.ggml.model` "gpt2": byte-level BPE (GPT-2 tokenizer). Tokens not spelled in the
    ///   byte-level alphabet are respelled byte by byte. The pre-tokenizer is GPT-2's
    ///   `ByteLevel(add_prefix_space: false, use_regex: true)`, except for the `tokenizer.ggml.pre`
    ///   values that transformers maps to their own split (Llama 3, Qwen 2, ...). SmolLM2's "smollm"
    ///   is not one of them, so it gets the GPT-2 split. llama.cpp's "smollm" pre-tokenizer differs on
    ///   runs of spaces after a newline (`"\n   foo"`: transformers splits `"\n  "`, `" foo"`); this
    ///   follows transformers. The model's own `tokenizer.json` also splits digits first
    ///   (`Digits(individual_digits: true)`); without it the ids are the same, because no token in the
    ///   vocabulary joins an ASCII digit to anything.
    /// - "llama": SentencePiece-style BPE with byte fallback and fused unknowns; `Metaspace("▁",
    ///   prepend_scheme: first, split: false)` and the `Replace, ByteFallback, Fuse, Strip` decoder.
    ///   Without merges in the file, merges are rebuilt from the vocabulary and `tokenizer.ggml.scores`.
    ///   For architecture "phi3" the prefix comes from a `Prepend` + `Replace` normalizer instead.
    /// - Tokens typed CONTROL (3) become special added tokens (for byte-level files only those spelled
    ///   in the alphabet), USER_DEFINED (4) plain added tokens; BOS/EOS/UNK/PAD become special too.
    /// - `add_bos_token` (default true for "llama", false otherwise) and `add_eos_token` make the
    ///   post-processor.
    public init(ggufMetadata m: [String: GGUFValue], file: String = "<gguf>") throws {
        func string(_ key: String) throws -> String? {
            guard let v = m[key] else { return nil }
            guard let s = v.string else { throw FormatError(file: file, "\(key): expected a string") }
            return s
        }
        func int(_ key: String) throws -> Int? {
            guard let v = m[key] else { return nil }
            guard let i = v.int else { throw FormatError(file: file, "\(key): expected an integer") }
            return i
        }
        func bool(_ key: String) throws -> Bool? {
            guard let v = m[key] else { return nil }
            if case .bool(let b) = v { return b }
            guard let i = v.int else { throw FormatError(file: file, "\(key): expected a boolean") }
            return i != 0
        }
        func array(_ key: String) throws -> [GGUFValue]? {
            guard let v = m[key] else { return nil }
            guard let a = v.array else { throw FormatError(file: file, "\(key): expected an array") }
            return a
        }

        guard let kind = try string("tokenizer.ggml.model") else {
            throw FormatError(file: file, "missing tokenizer.ggml.model: the file has no tokenizer")
        }
        guard let tokenValues = try array("tokenizer.ggml.tokens") else {
            throw FormatError(file: file, "missing tokenizer.ggml.tokens")
        }
        let tokens: [String] = try tokenValues.enumerated().map { i, v in
            guard let s = v.string else { throw FormatError(file: file, "tokenizer.ggml.tokens[\(i)]: expected a string") }
            return s
        }
        let types: [Int] = try (array("tokenizer.ggml.token_type") ?? []).enumerated().map { i, v in
            guard let t = v.int else { throw FormatError(file: file, "tokenizer.ggml.token_type[\(i)]: expected an integer") }
            return t
        }
        let mergeStrings: [String]? = try array("tokenizer.ggml.merges")?.enumerated().map { i, v in
            guard let s = v.string else { throw FormatError(file: file, "tokenizer.ggml.merges[\(i)]: expected a string") }
            return s
        }
        let architecture = try string("general.architecture") ?? ""
        let bosId = try int("tokenizer.ggml.bos_token_id")
        let eosId = try int("tokenizer.ggml.eos_token_id")
        let unkId = try int("tokenizer.ggml.unknown_token_id")
        let padId = try int("tokenizer.ggml.padding_token_id")
        for (key, id) in [("bos", bosId), ("eos", eosId), ("unknown", unkId), ("padding", padId)] {
            if let id, !(0..<tokens.count).contains(id) {
                throw FormatError(file: file, "tokenizer.ggml.\(key)_token_id: \(id) is outside the vocabulary of \(tokens.count) tokens")
            }
        }

        let byteLevel: Bool
        var spelled = tokens
        switch kind {
        case "gpt2":
            byteLevel = true
            spelled = tokens.map { ByteLevel.isSpelled($0) ? $0 : ByteLevel.encode($0.utf8) }
        case "llama":
            byteLevel = false
            if architecture.hasPrefix("gemma") {
                throw FormatError(file: file, "Gemma sentencepiece vocabularies are not supported")
            }
        default:
            throw FormatError(file: file, "tokenizer.ggml.model: unsupported tokenizer \(kind.debugDescription) (supported: gpt2, llama)")
        }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(spelled.count)
        for (i, t) in spelled.enumerated() { vocab[t] = i }

        let merges: [(String, String)]
        if let mergeStrings {
            merges = try mergeStrings.enumerated().map { i, s in
                guard let space = s.firstIndex(of: " ") else {
                    throw FormatError(file: file, "tokenizer.ggml.merges[\(i)]: expected two tokens separated by a space")
                }
                return (String(s[..<space]), String(s[s.index(after: space)...]))
            }
        } else if !byteLevel {
            guard let scoreValues = try array("tokenizer.ggml.scores"), scoreValues.count == tokens.count else {
                throw FormatError(file: file, "tokenizer.ggml.scores: needed (one per token) to rebuild merges, since the file has none")
            }
            let scores = try scoreValues.enumerated().map { i, v in
                guard let d = v.double else { throw FormatError(file: file, "tokenizer.ggml.scores[\(i)]: expected a number") }
                return d
            }
            merges = Self.mergesFromScores(tokens: tokens, scores: scores)
        } else {
            throw FormatError(file: file, "missing tokenizer.ggml.merges")
        }

        let preTokenizer: PreTokenizer?
        let normalizer: TokenizerNormalizer?
        let decoder: TokenizerDecoder
        let model: BPE
        if byteLevel {
            if let pre = try string("tokenizer.ggml.pre"), let split = Self.ggufPreTokenizerSplits[pre] {
                preTokenizer = .sequence([.split(pattern: .regex(split), behavior: .isolated, invert: false),
                                          .byteLevel(addPrefixSpace: false, useRegex: false)])
            } else {
                preTokenizer = .byteLevel(addPrefixSpace: false, useRegex: true)
            }
            normalizer = nil
            decoder = .byteLevel
            model = try BPE(vocab: vocab, merges: merges, byteLevel: true, file: file)
        } else {
            if architecture == "phi3" {
                normalizer = .sequence([.prepend("▁"), .replace(pattern: " ", content: "▁")])
                preTokenizer = nil
            } else {
                normalizer = nil
                preTokenizer = .metaspace(replacement: "▁", prependScheme: .first, split: false)
            }
            decoder = .sequence([.replace(pattern: "▁", content: " "), .byteFallback, .fuse, .strip(content: " ", start: 1, stop: 0)])
            model = try BPE(vocab: vocab, merges: merges, byteFallback: true, fuseUnk: true, byteLevel: false, file: file)
        }

        // Added tokens, in the order transformers adds them: the named special tokens, then
        // CONTROL tokens, then USER_DEFINED ones.
        var added: [AddedToken] = []
        var seen = Set<String>()
        func add(_ content: String, special: Bool) {
            guard let id = vocab[content], !seen.contains(content) else { return }
            seen.insert(content)
            added.append(AddedToken(id: id, content: content, special: special, normalized: false))
        }
        for id in [bosId, eosId, unkId, padId].compactMap({ $0 }) { add(spelled[id], special: true) }
        for (i, type) in types.enumerated() where i < tokens.count && type == 3 {
            if byteLevel && !ByteLevel.isSpelled(tokens[i]) { continue }
            add(tokens[i], special: true)
        }
        for (i, type) in types.enumerated() where i < tokens.count && type == 4 {
            add(spelled[i], special: false)
        }

        let addBos = try bool("tokenizer.ggml.add_bos_token") ?? (kind == "llama")
        let addEos = try bool("tokenizer.ggml.add_eos_token") ?? false
        let post: TokenizerPostProcessor? = (addBos && bosId != nil) || (addEos && eosId != nil)
            ? .bosEos(bos: addBos ? bosId : nil, eos: addEos ? eosId : nil) : nil

        try self.init(model: model, addedTokens: added, normalizer: normalizer, preTokenizer: preTokenizer,
                      postProcessor: post, decoder: decoder, file: file)
        bosTokenId = bosId
        eosTokenId = eosId
        unkTokenId = unkId
        padTokenId = padId
        chatTemplate = try string("tokenizer.chat_template")
    }

    /// Merges implied by a SentencePiece vocabulary and its scores, as transformers'
    /// `generate_merges` builds them: every split of every token into two tokens, best score first,
    /// then shorter left part, then shorter right part; ties keep vocabulary order.
    static func mergesFromScores(tokens: [String], scores: [Double]) -> [(String, String)] {
        var vocab: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { vocab[t] = i }
        // Python builds {token: score} from the list: the first position of a repeated token, its last score.
        var firstIndex: [String: Int] = [:]
        var score: [String: Double] = [:]
        var order: [String] = []
        for (i, t) in tokens.enumerated() {
            if firstIndex[t] == nil {
                firstIndex[t] = i
                order.append(t)
            }
            score[t] = scores[i]
        }
        struct Candidate {
            var left: String, right: String
            var score: Double
            var leftLength: Int, rightLength: Int
            var sequence: Int
        }
        var candidates: [Candidate] = []
        for token in order {
            let scalars = Array(token.unicodeScalars)
            guard scalars.count > 1 else { continue }
            var local: [(String, String, Int, Int, Int, Int)] = []
            for cut in 1..<scalars.count {
                var l = String.UnicodeScalarView()
                l.append(contentsOf: scalars[..<cut])
                var r = String.UnicodeScalarView()
                r.append(contentsOf: scalars[cut...])
                let left = String(l), right = String(r)
                if let il = vocab[left], let ir = vocab[right] {
                    local.append((left, right, il, ir, cut, scalars.count - cut))
                }
            }
            local.sort { ($0.2, $0.3) < ($1.2, $1.3) }
            for c in local {
                candidates.append(Candidate(left: c.0, right: c.1, score: score[token]!, leftLength: c.4,
                                            rightLength: c.5, sequence: candidates.count))
            }
        }
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.leftLength != b.leftLength { return a.leftLength > b.leftLength }
            if a.rightLength != b.rightLength { return a.rightLength > b.rightLength }
            return a.sequence < b.sequence
        }
        return candidates.map { ($0.left, $0.right) }
    }
}
