import Foundation

extension Tokenizer {
    /// Reads a `tokenizer.json` file.
    public init(contentsOf url: URL) throws {
        try self.init(json: try JSONValue.read(contentsOf: url), file: url.path)
    }

    /// Reads a model folder: `tokenizer.json`, and when present `tokenizer_config.json` (special
    /// tokens, `add_bos_token` / `add_eos_token`, `chat_template`) and `chat_template.json` or
    /// `chat_template.jinja`.
    ///
    /// As transformers does, an explicit `add_bos_token` or `add_eos_token` in the config rebuilds
    /// the post-processor as `[bos] $A [eos]`.
    public init(directory: URL) throws {
        try self.init(contentsOf: directory.appendingPathComponent("tokenizer.json"))
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            try applyTokenizerConfig(try JSONValue.read(contentsOf: configURL), file: configURL.path)
        }
        let templateJSON = directory.appendingPathComponent("chat_template.json")
        let templateJinja = directory.appendingPathComponent("chat_template.jinja")
        if FileManager.default.fileExists(atPath: templateJinja.path) {
            chatTemplate = try String(contentsOf: templateJinja, encoding: .utf8)
        } else if FileManager.default.fileExists(atPath: templateJSON.path) {
            let fields = try JSONFields(document: try JSONValue.read(contentsOf: templateJSON), file: templateJSON.path)
            chatTemplate = try fields.optionalString("chat_template") ?? chatTemplate
        }
    }

    /// Builds a tokenizer from a parsed `tokenizer.json` (BPE models only).
    ///
    /// Merges may be written as `"a b"` strings or as `["a", "b"]` pairs. BOS/EOS ids are guessed
    /// from the post-processor and the usual token names; `init(directory:)` reads them from
    /// `tokenizer_config.json` instead.
    public init(json: JSONValue, file: String = "tokenizer.json") throws {
        let root = try JSONFields(document: json, file: file)
        let modelFields = try root.object("model")
        let type = try modelFields.optionalString("type") ?? "BPE"
        guard type == "BPE" else {
            throw modelFields.error("type", "unsupported tokenizer model \(type) (only BPE is implemented)")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = try modelFields.optionalString(key), !s.isEmpty {
                throw modelFields.error(key, "unsupported (\(s.debugDescription)); only empty values are implemented")
            }
        }
        if let dropout = try modelFields.optionalDouble("dropout"), dropout != 0 {
            throw modelFields.error("dropout", "BPE dropout \(dropout) is not supported")
        }

        let vocabFields = try modelFields.object("vocab")
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(vocabFields.object.count)
        for (token, value) in vocabFields.object {
            guard let id = value.int else {
                throw vocabFields.error(token, "expected an integer id, found \(value.kindDescription)")
            }
            vocab[token] = id
        }
        let mergeValues = try modelFields.optionalArray("merges") ?? []
        var merges: [(String, String)] = []
        merges.reserveCapacity(mergeValues.count)
        for (i, m) in mergeValues.enumerated() {
            if let s = m.string {
                guard let space = s.firstIndex(of: " ") else {
                    throw modelFields.error("merges[\(i)]", "expected two tokens separated by a space, found \(s.debugDescription)")
                }
                merges.append((String(s[..<space]), String(s[s.index(after: space)...])))
            } else if let pair = m.array, pair.count == 2, let a = pair[0].string, let b = pair[1].string {
                merges.append((a, b))
            } else {
                throw modelFields.error("merges[\(i)]", "expected \"a b\" or [\"a\", \"b\"], found \(m.kindDescription)")
            }
        }

        let preTokenizer = try root.value("pre_tokenizer").map { try Self.preTokenizer(from: $0, root: root, key: "pre_tokenizer") }
        let normalizer = try root.value("normalizer").map { try Self.normalizer(from: $0, root: root, key: "normalizer") }
        let decoder = try root.value("decoder").map { try Self.decoder(from: $0, root: root, key: "decoder") }

        var added: [AddedToken] = []
        for (i, value) in (try root.optionalArray("added_tokens") ?? []).enumerated() {
            guard let o = value.object else {
                throw root.error("added_tokens[\(i)]", "expected an object, found \(value.kindDescription)")
            }
            let f = JSONFields(o, file: file, path: "added_tokens[\(i)]")
            added.append(AddedToken(
                id: try f.int("id"), content: try f.string("content"), special: try f.optionalBool("special") ?? false,
                lstrip: try f.optionalBool("lstrip") ?? false, rstrip: try f.optionalBool("rstrip") ?? false,
                singleWord: try f.optionalBool("single_word") ?? false, normalized: try f.optionalBool("normalized") ?? true))
        }
        var addedIds: [String: Int] = [:]
        for t in added { addedIds[t.content] = t.id }
        let lookup = { (token: String) -> Int? in addedIds[token] ?? vocab[token] }
        let postProcessor = try root.value("post_processor").map {
            try Self.postProcessor(from: $0, root: root, key: "post_processor", lookup: lookup)
        }

        let model = try BPE(
            vocab: vocab, merges: merges, unkToken: try modelFields.optionalString("unk_token"),
            byteFallback: try modelFields.optionalBool("byte_fallback") ?? false,
            fuseUnk: try modelFields.optionalBool("fuse_unk") ?? false,
            ignoreMerges: try modelFields.optionalBool("ignore_merges") ?? false,
            byteLevel: preTokenizer?.isByteLevel ?? false, file: file)
        try self.init(model: model, addedTokens: added, normalizer: normalizer, preTokenizer: preTokenizer,
                      postProcessor: postProcessor, decoder: decoder, file: file)

        // Guesses, replaced by tokenizer_config.json when it is read.
        if case .template(let pieces)? = postProcessor, case .special(let ids)? = pieces.first, ids.count == 1 {
            bosTokenId = ids[0]
        } else {
            bosTokenId = ["<s>", "<|begin_of_text|>", "<bos>"].lazy.compactMap(lookup).first
        }
        eosTokenId = ["</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>"].lazy.compactMap(lookup).first
        padTokenId = ["<pad>", "<|pad|>", "[PAD]"].lazy.compactMap(lookup).first
    }

    /// Applies a `tokenizer_config.json`: special tokens, BOS/EOS flags and the chat template.
    mutating func applyTokenizerConfig(_ json: JSONValue, file: String) throws {
        let config = try JSONFields(document: json, file: file)
        func tokenName(_ key: String) throws -> String? {
            guard let v = config.value(key) else { return nil }
            if let s = v.string { return s }
            if let o = v.object, let s = o["content"]?.string { return s }
            throw config.error(key, "expected a string or an object with \"content\", found \(v.kindDescription)")
        }
        func resolve(_ key: String) throws -> Int? {
            guard let name = try tokenName(key) else { return nil }
            guard let id = id(for: name) else { throw config.error(key, "token \(name.debugDescription) is not in the vocabulary") }
            return id
        }
        if let id = try resolve("bos_token") { bosTokenId = id }
        if let id = try resolve("eos_token") { eosTokenId = id }
        if let id = try resolve("pad_token") { padTokenId = id }
        if let id = try resolve("unk_token") { unkTokenId = id }
        if let template = config.value("chat_template") {
            if let s = template.string {
                chatTemplate = s
            } else if let list = template.array {
                // [{"name": "default", "template": "..."}, ...]
                let named = list.compactMap { $0.object }.map { ($0["name"]?.string, $0["template"]?.string) }
                chatTemplate = (named.first { $0.0 == "default" } ?? named.first)?.1
            } else {
                throw config.error("chat_template", "expected a string or a list of named templates, found \(template.kindDescription)")
            }
        }
        let addBos = try config.optionalBool("add_bos_token")
        let addEos = try config.optionalBool("add_eos_token")
        if addBos != nil || addEos != nil {
            let post = TokenizerPostProcessor.bosEos(bos: addBos == true ? bosTokenId : nil, eos: addEos == true ? eosTokenId : nil)
            self = try Tokenizer(rebuilding: self, postProcessor: post)
        }
    }

    /// A copy with another post-processor.
    init(rebuilding t: Tokenizer, postProcessor: TokenizerPostProcessor?) throws {
        try self.init(model: t.model, addedTokens: t.addedTokens, normalizer: t.normalizer, preTokenizer: t.preTokenizer,
                      postProcessor: postProcessor, decoder: t.decoder)
        bosTokenId = t.bosTokenId
        eosTokenId = t.eosTokenId
        padTokenId = t.padTokenId
        unkTokenId = t.unkTokenId
        chatTemplate = t.chatTemplate
    }

    // MARK: - Pipeline parts

    static func typed(_ value: JSONValue, root: JSONFields, key: String) throws -> (JSONFields, String) {
        guard let o = value.object else { throw root.error(key, "expected an object, found \(value.kindDescription)") }
        let f = JSONFields(o, file: root.file, path: root.keyPath(key))
        return (f, try f.string("type"))
    }

    /// `{"String": " "}` or `{"Regex": "..."}`.
    static func pattern(_ f: JSONFields, _ key: String) throws -> PreTokenizer.SplitPattern {
        let p = try f.object(key)
        if let s = try p.optionalString("String") { return .string(s) }
        if let r = try p.optionalString("Regex") { return .regex(r) }
        throw f.error(key, "expected {\"String\": ...} or {\"Regex\": ...}")
    }

    static func preTokenizer(from value: JSONValue, root: JSONFields, key: String) throws -> PreTokenizer {
        let (f, type) = try typed(value, root: root, key: key)
        switch type {
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try f.optionalBool("add_prefix_space") ?? true,
                              useRegex: try f.optionalBool("use_regex") ?? true)
        case "Split":
            let behaviorName = try f.string("behavior")
            guard let behavior = PreTokenizer.SplitBehavior(rawValue: behaviorName) else {
                throw f.error("behavior", "unknown split behavior \(behaviorName)")
            }
            return .split(pattern: try pattern(f, "pattern"), behavior: behavior, invert: try f.optionalBool("invert") ?? false)
        case "Digits":
            return .digits(individualDigits: try f.optionalBool("individual_digits") ?? false)
        case "Metaspace":
            return .metaspace(replacement: try f.optionalString("replacement") ?? "▁",
                              prependScheme: try prependScheme(f), split: try f.optionalBool("split") ?? true)
        case "WhitespaceSplit":
            return .whitespaceSplit
        case "Sequence":
            let items = try f.array("pretokenizers")
            return .sequence(try items.enumerated().map {
                try preTokenizer(from: $1, root: f, key: "pretokenizers[\($0)]")
            })
        default:
            throw f.error("type", "unsupported pre-tokenizer \(type) (supported: ByteLevel, Split, Digits, Metaspace, WhitespaceSplit, Sequence)")
        }
    }

    static func prependScheme(_ f: JSONFields) throws -> PreTokenizer.PrependScheme {
        if let name = try f.optionalString("prepend_scheme") {
            guard let scheme = PreTokenizer.PrependScheme(rawValue: name) else {
                throw f.error("prepend_scheme", "unknown prepend scheme \(name)")
            }
            return scheme
        }
        // Files from before `prepend_scheme` existed.
        return try f.optionalBool("add_prefix_space") ?? true ? .always : .never
    }

    static func normalizer(from value: JSONValue, root: JSONFields, key: String) throws -> TokenizerNormalizer {
        let (f, type) = try typed(value, root: root, key: key)
        switch type {
        case "Prepend": return .prepend(try f.string("prepend"))
        case "Replace":
            switch try pattern(f, "pattern") {
            case .string(let s): return .replace(pattern: s, content: try f.string("content"))
            case .regex(let r):
                _ = try SplitMatcher(.regex(r), file: f.file)
                return .replaceRegex(pattern: r, content: try f.string("content"))
            }
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip": return .strip(left: try f.optionalBool("strip_left") ?? true, right: try f.optionalBool("strip_right") ?? true)
        case "Sequence":
            let items = try f.array("normalizers")
            return .sequence(try items.enumerated().map { try normalizer(from: $1, root: f, key: "normalizers[\($0)]") })
        default:
            throw f.error("type", "unsupported normalizer \(type) (supported: Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip, Sequence)")
        }
    }

    static func decoder(from value: JSONValue, root: JSONFields, key: String) throws -> TokenizerDecoder {
        let (f, type) = try typed(value, root: root, key: key)
        switch type {
        case "ByteLevel": return .byteLevel
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Replace":
            guard case .string(let s) = try pattern(f, "pattern") else {
                throw f.error("pattern", "only literal Replace decoders are supported")
            }
            return .replace(pattern: s, content: try f.string("content"))
        case "Strip":
            let content = try f.optionalString("content") ?? " "
            guard content.unicodeScalars.count == 1 else { throw f.error("content", "expected one character") }
            return .strip(content: content.unicodeScalars.first!, start: try f.optionalInt("start") ?? 0,
                          stop: try f.optionalInt("stop") ?? 0)
        case "Metaspace":
            return .metaspace(replacement: try f.optionalString("replacement") ?? "▁", prependScheme: try prependScheme(f))
        case "Sequence":
            let items = try f.array("decoders")
            return .sequence(try items.enumerated().map { try decoder(from: $1, root: f, key: "decoders[\($0)]") })
        default:
            throw f.error("type", "unsupported decoder \(type) (supported: ByteLevel, ByteFallback, Fuse, Replace, Strip, Metaspace, Sequence)")
        }
    }

    static func postProcessor(from value: JSONValue, root: JSONFields, key: String,
                              lookup: (String) -> Int?) throws -> TokenizerPostProcessor {
        let (f, type) = try typed(value, root: root, key: key)
        switch type {
        case "TemplateProcessing":
            let specials = try f.optionalObject("special_tokens")
            var pieces: [TokenizerPostProcessor.TemplatePiece] = []
            for (i, item) in try f.array("single").enumerated() {
                let itemKey = "single[\(i)]"
                guard let o = item.object else { throw f.error(itemKey, "expected an object") }
                if o["Sequence"] != nil {
                    pieces.append(.sequence)
                } else if let special = o["SpecialToken"]?.object, let name = special["id"]?.string {
                    if let ids = specials?.object[name]?.object?["ids"]?.array {
                        pieces.append(.special(ids.compactMap(\.int)))
                    } else if let id = lookup(name) {
                        pieces.append(.special([id]))
                    } else {
                        throw f.error(itemKey, "special token \(name.debugDescription) is not defined")
                    }
                } else {
                    throw f.error(itemKey, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}")
                }
            }
            return .template(pieces)
        case "ByteLevel":
            return .byteLevel
        case "BertProcessing", "RobertaProcessing":
            func pair(_ k: String) throws -> Int {
                let a = try f.array(k)
                guard a.count == 2, let id = a[1].int else { throw f.error(k, "expected [token, id]") }
                return id
            }
            return .clsSep(cls: try pair("cls"), sep: try pair("sep"))
        case "Sequence":
            let items = try f.array("processors")
            return .sequence(try items.enumerated().map {
                try postProcessor(from: $1, root: f, key: "processors[\($0)]", lookup: lookup)
            })
        default:
            throw f.error("type", "unsupported post-processor \(type) (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)")
        }
    }
}
