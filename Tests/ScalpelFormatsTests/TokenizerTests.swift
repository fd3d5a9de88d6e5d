import Foundation
import Testing
@testable import ScalpelFormats

/// Reference encodings from Hugging Face `tokenizers` / transformers
/// (`scripts/fixtures/make_tokenizer_fixtures.py`), matched id for id.
@Suite struct TokenizerTests {
    func check(_ tokenizer: Tokenizer, _ cases: [TokenizerFixtures.Case], label: String,
               sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, c) in cases.enumerated() {
            let ids = tokenizer.encode(c.text)
            if let diff = TokenizerFixtures.firstDifference(ids, c.ids) {
                Issue.record("\(label) case \(i) \(c.text.prefix(40).debugDescription): \(diff)", sourceLocation: sourceLocation)
            }
            if let special = c.idsSpecial {
                #expect(tokenizer.encode(c.text, addSpecialTokens: true) == special, "\(label) case \(i) with special tokens",
                        sourceLocation: sourceLocation)
                if let skip = c.decodedSkip {
                    #expect(tokenizer.decode(special, skipSpecialTokens: true) == skip, "\(label) case \(i) decode, skipping specials",
                            sourceLocation: sourceLocation)
                }
            }
            if let decoded = c.decoded {
                #expect(tokenizer.decode(c.ids) == decoded, "\(label) case \(i) decode", sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: SentencePiece-style (LLaMA-like tokenizer.json)

    @Test func sentencePieceMatchesTokenizers() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/sp_tokenizer.json"))
        check(tokenizer, TokenizerFixtures.cases(try TokenizerFixtures.json("tokenizers/sp_cases.json")), label: "sp")
    }

    @Test func sentencePieceStructure() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/sp_tokenizer.json"))
        #expect(tokenizer.normalizer == .sequence([.prepend("▁"), .replace(pattern: " ", content: "▁")]))
        #expect(tokenizer.preTokenizer == nil)
        #expect(tokenizer.model.byteFallback && tokenizer.model.fuseUnk && !tokenizer.model.byteLevel)
        #expect(tokenizer.bosTokenId == 1)
        #expect(tokenizer.eosTokenId == 2)
        #expect(tokenizer.unkTokenId == 0)
        #expect(tokenizer.padTokenId == tokenizer.id(for: "<pad>"))
        #expect(tokenizer.id(for: "<image>") != nil)
        #expect(tokenizer.isSpecial(tokenizer.id(for: "<image>")!))
        #expect(tokenizer.id(for: "<0x41>") == 3 + 0x41)
        #expect(tokenizer.token(for: 3 + 0xE6) == "<0xE6>")
        #expect(tokenizer.vocabularySize == tokenizer.model.vocab.count)
    }

    @Test func byteFallbackCoversTextOutsideTheVocabulary() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/sp_tokenizer.json"))
        let text = "東京 😀 Zürich"
        let ids = tokenizer.encode(text)
        let tokens = tokenizer.tokens(for: ids)
        // 東 is E6 9D B1 in UTF-8: three byte tokens, no unknowns
        #expect(tokens.contains("<0xE6>") && tokens.contains("<0x9D>") && tokens.contains("<0xB1>"))
        #expect(!ids.contains(0))
        #expect(tokenizer.decode(ids) == text)
        // an invalid byte sequence decodes to one replacement character per byte
        #expect(tokenizer.decode([3 + 0xE6, 3 + 0x9D]) == "\u{FFFD}\u{FFFD}")
    }

    @Test func sentencePieceRoundTrips() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/sp_tokenizer.json"))
        for text in ["Hello world", "a\n\n  b", "tabs\t\tand\tspaces  \t x", "東京は日本の首都です。 😀👍🏽", "1234567"] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
    }

    /// Long words take the heap path; it must agree with merging the best pair one at a time.
    @Test func heapMergeAgreesWithPlainMerge() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/sp_tokenizer.json"))
        let model = tokenizer.model
        func plain(_ start: [Int]) -> [Int] {
            var s = start
            while s.count >= 2 {
                var best: (rank: UInt64, index: Int, id: Int)?
                for k in 0..<(s.count - 1) {
                    if let v = model.mergeTable[UInt64(s[k]) << 32 | UInt64(s[k + 1])], v >> 32 < best?.rank ?? .max {
                        best = (v >> 32, k, Int(v & 0xFFFF_FFFF))
                    }
                }
                guard let b = best else { break }
                s[b.index] = b.id
                s.remove(at: b.index + 1)
            }
            return s
        }
        let text = Self.scannerTexts.joined(separator: " ").replacingOccurrences(of: " ", with: "▁")
        let scalars = Array(text.unicodeScalars)
        var rng = SystemRandomNumberGenerator()
        for length in [17, 18, 25, 40, 100, 400] {
            for _ in 0..<20 {
                let start = Int.random(in: 0..<max(1, scalars.count - length), using: &rng)
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[start..<min(scalars.count, start + length)])
                let initial = model.initialSymbols(Array(String(view).utf8))
                var merged = initial
                model.merge(&merged)
                #expect(merged == plain(initial), "length \(length) at \(start)")
            }
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: TokenizerFixtures.gplPath), "GPL-3 text absent"))
    func sentencePieceLongText() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/sp_tokenizer.json"))
        let text = try String(contentsOfFile: TokenizerFixtures.gplPath, encoding: .utf8)
        let clock = ContinuousClock()
        var ids: [Int] = []
        let elapsed = clock.measure { ids = tokenizer.encode(text) }
        print("GPL-3 with the SentencePiece-style fixture (one word, no pre-tokenizer): \(ids.count) tokens in \(elapsed)")
        #expect(tokenizer.decode(ids) == text)
    }

    /// The same vocabulary stored as llama.cpp does (scores, no merges), loaded the way
    /// transformers loads a GGUF: merges rebuilt from scores, Metaspace with prepend "first".
    @Test func sentencePieceFromGGUFMetadata() throws {
        let fixture = try TokenizerFixtures.json("tokenizers/sp_gguf.json")
        let metadata = TokenizerFixtures.ggufMetadata(fixture["metadata"]!)
        let tokenizer = try Tokenizer(ggufMetadata: metadata, file: "sp_gguf.json")
        #expect(tokenizer.preTokenizer == .metaspace(replacement: "▁", prependScheme: .first, split: false))
        #expect(tokenizer.bosTokenId == 1 && tokenizer.eosTokenId == 2 && tokenizer.unkTokenId == 0)
        check(tokenizer, TokenizerFixtures.cases(fixture["cases"]!), label: "sp-gguf")
    }

    // MARK: Byte-level tokenizer.json files

    @Test(arguments: ["bl_digits", "bl_llama3", "bl_qwen2"])
    func byteLevelMatchesTokenizers(name: String) throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/\(name).json"))
        #expect(tokenizer.model.byteLevel)
        let cases = TokenizerFixtures.cases(try TokenizerFixtures.json("tokenizers/bl_cases.json")[name]!)
        check(tokenizer, cases, label: name)
        for c in cases {
            #expect(tokenizer.decode(tokenizer.encode(c.text)) == c.text, "\(name): byte-level round trip")
        }
    }

    @Test func llama3StyleFileReadsPairMergesAndTemplate() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.url("tokenizers/bl_llama3.json"))
        #expect(tokenizer.model.ignoreMerges)
        #expect(tokenizer.encode("Hi", addSpecialTokens: true).first == 0)
        guard case .sequence(let steps)? = tokenizer.preTokenizer, case .split(.regex(let r), .isolated, false) = steps.first else {
            Issue.record("expected Split + ByteLevel, got \(String(describing: tokenizer.preTokenizer))")
            return
        }
        #expect(r == Llama3Scanner.pattern)
    }

    // MARK: Split patterns

    static let scannerTexts: [String] = {
        var texts = [
            "Hello, world! It's a test: we're here, IT'S LOUD 'x ''s don't",
            "\n\n   leading spaces\n  \n\t\ttabs\there\n  x\r\n  \r\nend   ",
            "東京は日本の首都です。 😀👍🏽 👩\u{200D}💻 e\u{301} nbsp\u{00A0}here ideographic\u{3000}space",
            "1234567 3.14159 ١٢٣ Ⅻ ½ ² (x) [y] {z} <|im_start|> ... !!! ?\n\n",
            "def f(x):\n    if x > 0:\n        return x  # comment\n\treturn -x\n",
            "   ", " ", "", "a", " a", "a ", "\t", "\n ", " \n",
        ]
        if let gpl = try? String(contentsOfFile: TokenizerFixtures.gplPath, encoding: .utf8) { texts.append(gpl) }
        return texts
    }()

    /// The hand-written scanners agree with the patterns run by Swift `Regex`.
    @Test func scannersAgreeWithRegex() throws {
        let gpt2 = try RegexBox(PreTokenizer.gpt2Pattern)
        let llama3 = try RegexBox(Llama3Scanner.pattern)
        for text in Self.scannerTexts {
            let bytes = Array(text.utf8)
            let a = bytes.withUnsafeBufferPointer { GPT2Scanner.matches($0) }
            #expect(a == gpt2.matches(bytes), "GPT-2 split of \(text.prefix(30).debugDescription)")
            let b = bytes.withUnsafeBufferPointer { Llama3Scanner.matches($0) }
            #expect(b == llama3.matches(bytes), "Llama 3 split of \(text.prefix(30).debugDescription)")
        }
    }

    @Test func gpt2SplitKeepsOneSpaceForTheNextWord() {
        func words(_ s: String) -> [String] {
            let bytes = Array(s.utf8)
            return bytes.withUnsafeBufferPointer { GPT2Scanner.matches($0) }.map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        #expect(words("\n    foo") == ["\n   ", " foo"])
        #expect(words("a  b") == ["a", " ", " b"])
        #expect(words("x\n\tfoo") == ["x", "\n", "\t", "foo"])
        #expect(words("it's 're'x") == ["it", "'s", " '", "re", "'", "x"])
        #expect(words("end   ") == ["end", "   "])
        #expect(words("1234 ab!?") == ["1234", " ab", "!?"])
    }

    @Test func splitBehaviours() {
        // matches at 1..<2 and 3..<4 in "a-b-c"
        let m = [1..<2, 3..<4]
        #expect(splitting(m, count: 5, behavior: .isolated, invert: false) == [0..<1, 1..<2, 2..<3, 3..<4, 4..<5])
        #expect(splitting(m, count: 5, behavior: .removed, invert: false) == [0..<1, 2..<3, 4..<5])
        #expect(splitting(m, count: 5, behavior: .mergedWithPrevious, invert: false) == [0..<2, 2..<4, 4..<5])
        #expect(splitting(m, count: 5, behavior: .mergedWithNext, invert: false) == [0..<1, 1..<3, 3..<5])
        #expect(splitting([0..<1, 1..<2, 3..<4], count: 4, behavior: .contiguous, invert: false) == [0..<2, 2..<3, 3..<4])
        #expect(splitting(m, count: 5, behavior: .removed, invert: true) == [1..<2, 3..<4])
    }

    // MARK: Pieces

    @Test func decoderSteps() {
        let llama: TokenizerDecoder = .sequence([.replace(pattern: "▁", content: " "), .byteFallback, .fuse,
                                                 .strip(content: " ", start: 1, stop: 0)])
        #expect(llama.decode(["▁Hello", "▁", "<0xE6>", "<0x9D>", "<0xB1>", "!"]) == "Hello 東!")
        #expect(llama.decode(["<0xFF>", "a"]) == "\u{FFFD}a")
        #expect(TokenizerDecoder.byteLevel.decode(["Hello", "Ġworld", "Ċ"]) == "Hello world\n")
        #expect(TokenizerDecoder.metaspace(replacement: "▁", prependScheme: .first).decode(["▁Hey", "▁there"]) == "Hey there")
        #expect(TokenizerDecoder.strip(content: "x", start: 2, stop: 1).decodeChain(["xxxaxx"]) == ["xax"])
    }

    @Test func byteLevelAlphabet() {
        #expect(ByteLevel.byteToScalar[0x20] == "Ġ")
        #expect(ByteLevel.byteToScalar[0x0A] == "Ċ")
        #expect(ByteLevel.byteToScalar[0x41] == "A")
        #expect(Set(ByteLevel.byteToScalar).count == 256)
        let all = (0...255).map(UInt8.init)
        #expect(ByteLevel.decode(ByteLevel.encode(all)) == all)
        #expect(ByteLevel.decode("<|im_start|>") == Array("<|im_start|>".utf8))
        #expect(ByteLevel.decode("Ω") == nil)
    }

    @Test func addedTokensHonourStripFlags() throws {
        let vocab = ["a": 0, "b": 1, " ": 2]
        let model = try BPE(vocab: vocab, merges: [], byteLevel: false, file: "t")
        let added = [AddedToken(id: 10, content: "<x>", special: true, lstrip: true, rstrip: true),
                     AddedToken(id: 11, content: "<y>", special: false, singleWord: true)]
        let tokenizer = try Tokenizer(model: model, addedTokens: added)
        #expect(tokenizer.encode("a  <x>  b") == [0, 10, 1])
        #expect(tokenizer.encode("a <y> b") == [0, 2, 11, 2, 1])
        // inside a word the single-word token is not matched (its characters are not in the vocabulary)
        #expect(tokenizer.encode("a<y>b") == [0, 1])
        #expect(tokenizer.decode([0, 10, 1], skipSpecialTokens: true) == "a b")
    }

    @Test func badTokenizerFilesNameTheProblem() throws {
        func expectError(_ json: String, _ parts: String..., sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try Tokenizer(json: try JSONValue.parse(string: json, file: "tok.json"), file: "tok.json")
                Issue.record("expected an error", sourceLocation: sourceLocation)
            } catch let e as FormatError {
                for p in parts + ["tok.json"] where !e.description.contains(p) {
                    Issue.record("\"\(e)\" lacks \"\(p)\"", sourceLocation: sourceLocation)
                }
            } catch {
                Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            }
        }
        expectError(#"{"model": {"type": "Unigram", "vocab": []}}"#, "model.type", "Unigram")
        expectError(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#, "merge 0", "\"b\"")
        expectError(#"{"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}}"#, "model.vocab.a", "integer")
        expectError(#"{"model": {"type": "BPE", "vocab": {}, "merges": [3]}}"#, "model.merges[0]")
        expectError(#"{"pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}"#,
                    "pre_tokenizer.type", "BertPreTokenizer")
        expectError(#"{"model": {"type": "BPE", "vocab": {}}, "decoder": {"type": "Sequence", "decoders": [{"type": "CTC"}]}}"#,
                    "decoder.decoders[0].type", "CTC")
        expectError(#"{"model": {"type": "BPE", "vocab": {}, "unk_token": "<unk>"}}"#, "unk_token")
    }

    @Test func folderWithTokenizerConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: TokenizerFixtures.url("tokenizers/sp_tokenizer.json"),
                                         to: folder.appendingPathComponent("tokenizer.json"))
        let config = #"""
        {"bos_token": {"content": "<s>"}, "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
         "add_bos_token": true, "add_eos_token": true, "chat_template": "{{ 'USER: ' }}...ASSISTANT:"}
        """#
        try config.write(to: folder.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        let tokenizer = try Tokenizer(directory: folder)
        let ids = tokenizer.encode("Hi", addSpecialTokens: true)
        #expect(ids.first == 1 && ids.last == 2)
        #expect(tokenizer.padTokenId == tokenizer.id(for: "<pad>"))
        #expect(try ChatFormat.resolve(template: tokenizer.chatTemplate) == .llava1_5)
    }
}
