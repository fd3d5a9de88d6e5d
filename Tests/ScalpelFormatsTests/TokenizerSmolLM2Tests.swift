import Foundation
import Testing
@testable import ScalpelFormats

/// SmolLM2-135M-Instruct's tokenizer read from its GGUF, against transformers 5 loading the same
/// file (`AutoTokenizer.from_pretrained(folder, gguf_file=...)`). Skipped when the model is absent.
@Suite(.enabled(if: TokenizerFixtures.hasSmolLM2, Comment(rawValue: TokenizerFixtures.smolLM2Missing)))
struct TokenizerSmolLM2Tests {
    let tokenizer: Tokenizer
    let fixture: JSONValue

    init() throws {
        let file = try GGUFFile(path: TokenizerFixtures.smolLM2Path)
        tokenizer = try Tokenizer(gguf: file)
        fixture = try TokenizerFixtures.json("tokenizers/smollm2_gguf.json")
    }

    @Test func builtLikeTransformers() {
        #expect(tokenizer.preTokenizer == .byteLevel(addPrefixSpace: false, useRegex: true))
        #expect(tokenizer.model.byteLevel)
        #expect(tokenizer.model.merges.count == 48_900)
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(tokenizer.bosTokenId == 1)
        #expect(tokenizer.eosTokenId == 2)
        #expect(tokenizer.padTokenId == 2)
        #expect(tokenizer.unkTokenId == 0)
        #expect(tokenizer.id(for: "<|im_start|>") == 1)
        #expect(tokenizer.token(for: 2) == "<|im_end|>")
        #expect(tokenizer.isSpecial(16) && !tokenizer.isSpecial(17))
        #expect(tokenizer.addedTokens.count == 17)
        // add_bos_token is false in this file: nothing is added
        #expect(tokenizer.encode("Hello world", addSpecialTokens: true) == [19556, 905])
        #expect(tokenizer.chatTemplate?.contains("<|im_start|>") == true)
    }

    @Test func textsMatchTransformers() throws {
        for (name, value) in fixture["texts"]!.object!.sorted(by: { $0.key < $1.key }) {
            let c = TokenizerFixtures.Case(value)
            let ids = tokenizer.encode(c.text)
            if let diff = TokenizerFixtures.firstDifference(ids, c.ids) {
                Issue.record("\(name): \(diff)")
            }
            #expect(tokenizer.decode(c.ids) == c.decoded, "\(name): decode")
            #expect(tokenizer.decode(c.ids, skipSpecialTokens: true) == c.decodedSkip, "\(name): decode skipping specials")
        }
    }

    @Test func chatMLTokensStayWhole() {
        let ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>\n")
        #expect(ids.first == 1)
        #expect(ids.contains(2))
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "user\nHi\n")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: TokenizerFixtures.gplPath), "GPL-3 text absent"))
    func gpl3MatchesTransformersAndIsFast() throws {
        let text = try String(contentsOfFile: TokenizerFixtures.gplPath, encoding: .utf8)
        let expected = fixture["gpl3"]!["ids"]!.array!.map { $0.int! }
        // a fresh tokenizer: no cached words
        let fresh = try Tokenizer(gguf: try GGUFFile(path: TokenizerFixtures.smolLM2Path))
        let clock = ContinuousClock()
        var ids: [Int] = []
        let elapsed = clock.measure { ids = fresh.encode(text) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("GPL-3 (\(text.utf8.count) bytes) → \(ids.count) tokens in \(String(format: "%.1f", seconds * 1000)) ms")
        if let diff = TokenizerFixtures.firstDifference(ids, expected) {
            Issue.record("GPL-3: \(diff)")
        }
        #expect(fresh.decode(ids) == text)
        #if !DEBUG
        #expect(seconds < 0.5, "GPL-3 should tokenize well under a second in release, took \(seconds) s")
        #endif
    }

    @Test func chatFormatFromTheTemplate() throws {
        let format = try ChatFormat.resolve(template: tokenizer.chatTemplate)
        #expect(format == .chatml(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
    }

    @Test func configFromGGUF() throws {
        let config = try ModelConfig(gguf: try GGUFFile(path: TokenizerFixtures.smolLM2Path))
        let t = config.text
        #expect(config.modelType == "llama")
        #expect(t.numHiddenLayers == 30 && t.hiddenSize == 576 && t.intermediateSize == 1536)
        #expect(t.numAttentionHeads == 9 && t.numKeyValueHeads == 3 && t.headDim == 64)
        #expect(t.ropeTheta == 100_000)
        #expect(t.vocabSize == 49_152)
        #expect(t.maxPositionEmbeddings == 8192)
        #expect(t.tieWordEmbeddings)
        #expect(abs(t.rmsNormEps - 1e-5) < 1e-10)
        #expect(t.bosTokenId == 1 && t.eosTokenIds == [2] && t.padTokenId == 2)
    }
}
