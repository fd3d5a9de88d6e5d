import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelTrain

@Suite("BPE tokenizer trainer")
struct BPETokenizerTrainerTests {
    static var fixtures: URL { Bundle.module.url(forResource: "Fixtures/bpe-trainer", withExtension: nil)! }

    static func train(_ lines: [String], _ options: BPETokenizerTrainer.Options) throws -> TrainedBPETokenizer {
        var trainer = try BPETokenizerTrainer(options: options)
        for line in lines { trainer.add(text: line) }
        return try trainer.train()
    }

    @Test("merges on a hand-counted corpus: most frequent pair first, ties to the smaller bytes, stop below min frequency")
    func handCountedMerges() throws {
        // Words: hug ×1, Ġhug ×2, Ġpug, Ġpun, Ġbun. Pair counts: (u,g) 4 → ug; (h,ug) 3 → hug; then
        // (Ġ,hug), (Ġ,p) and (u,n) all 2: Ġ (0x20) sorts before u, and hug before p; then (u,n) 2;
        // everything left occurs once.
        let trained = try Self.train(["hug hug hug pug pun bun"], .init(vocabSize: 1000))
        let merges = trained.merges.map { "\($0.0) \($0.1)" }
        #expect(merges == ["u g", "h ug", "Ġ hug", "Ġ p", "u n"])
        #expect(trained.vocabularySize == 3 + 256 + 5 + 2)
        #expect(trained.specialTokenIds == ["<unk>": 0, "<s>": 1, "</s>": 2, "<pad>": 264, "<image>": 265])
        let tok = try trained.tokenizer()
        #expect(tok.tokens(for: tok.encode("hug pun")) == ["hug", "Ġp", "un"])
        #expect(tok.encode("hug", addSpecialTokens: true).first == 1)
        #expect(tok.encode("a<image>b") == [3 + 97, 265, 3 + 98])
    }

    @Test("the vocabulary stops at the target size, special tokens included")
    func stopsAtVocabularySize() throws {
        let text = (0..<50).map { "line \($0): the quick brown fox jumps over the lazy dog \($0 * 7)" }
        let trained = try Self.train(text, .init(vocabSize: 270, minFrequency: 1))
        #expect(trained.vocabularySize == 270)
        #expect(trained.merges.count >= 270 - 261)
        #expect(trained.specialTokenIds["<image>"] == 269)
    }

    @Test("same corpus, same bytes: line order and repeated training do not matter")
    func deterministic() throws {
        let lines = ["the lesion is benign\n", "the lesion is suspicious\n", "two colours: red and black\n",
                     "tie tie tae tae\n", "ab ba ab ba\n"]
        let options = BPETokenizerTrainer.Options(vocabSize: 300, minFrequency: 1)
        let a = try Self.train(lines, options).jsonText
        let b = try Self.train(lines.reversed(), options).jsonText
        let c = try Self.train(lines, options).jsonText
        #expect(a == b)
        #expect(a == c)
    }

    @Test("decode(encode(x)) == x with the full byte alphabet, for text the corpus never saw")
    func roundTrip() throws {
        let corpus = try String(contentsOf: Self.fixtures.appendingPathComponent("corpus.txt"), encoding: .utf8)
        let tok = try Self.train([corpus], .init(vocabSize: 400)).tokenizer()
        for text in ["Zebra 🦓 quokka", "  two  spaces\n\n\ttab", "Übergröße 皮膚 1234567", "don't DON'T we'd"] {
            #expect(tok.decode(tok.encode(text)) == text)
        }
    }

    @Test("the written file loads back and equals the document; the output is replaced atomically")
    func writesFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tokenizer.json").path
        try "old".write(toFile: path, atomically: true, encoding: .utf8)
        let trained = try Self.train(["a small corpus, a small corpus"], .init(vocabSize: 280))
        try trained.write(to: path)
        let loaded = try Tokenizer(contentsOf: URL(fileURLWithPath: path))
        #expect(loaded.encode("a small corpus") == (try trained.tokenizer()).encode("a small corpus"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == trained.jsonText)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["tokenizer.json"])
    }

    @Test("bad settings and an empty corpus are refused with a reason")
    func badInput() throws {
        #expect(throws: FormatError.self) { try BPETokenizerTrainer(options: .init(vocabSize: 100)) }
        #expect(throws: FormatError.self) { try BPETokenizerTrainer(options: .init(vocabSize: 300, minFrequency: 0)) }
        #expect(throws: FormatError.self) {
            try BPETokenizerTrainer(options: .init(vocabSize: 300, leadingSpecialTokens: ["<s>", "<s>"]))
        }
        #expect(throws: FormatError.self) { try BPETokenizerTrainer(options: .init(vocabSize: 300, bosToken: "<bos>")) }
        do {
            _ = try Self.train(["<s></s><image>"], .init(vocabSize: 300))
            Issue.record("a corpus of special tokens only was accepted")
        } catch let error as FormatError {
            #expect(error.problem.contains("no text"))
        }
    }

    /// The configurations of scripts/fixtures/check_trained_tokenizer.py.
    static let fixtureConfigs: [String: BPETokenizerTrainer.Options] = [
        "gpt2-full": .init(vocabSize: 400, preTokenization: .gpt2),
        "llama3-corpus": .init(vocabSize: 160, minFrequency: 1, fullByteAlphabet: false, preTokenization: .llama3),
    ]

    @Test("Hugging Face tokenizers gives the same ids on the trained files, and training reproduces them byte for byte",
          arguments: ["gpt2-full", "llama3-corpus"])
    func matchesTokenizers(name: String) throws {
        let expected = try JSONValue.read(contentsOf: Self.fixtures.appendingPathComponent("expected.json"))
        let probeValues = try #require(expected["probes"]?.array)
        let probes = probeValues.compactMap { $0.string }
        let rows = try #require(expected["configs"]?[name]?["ids"]?.array)
        let ids = rows.map { row in (row.array ?? []).compactMap { $0.int } }
        #expect(probes.count == ids.count && probes.count > 5)
        let fileURL = Self.fixtures.appendingPathComponent("\(name).json")
        let committed = try String(contentsOf: fileURL, encoding: .utf8)

        var trainer = try BPETokenizerTrainer(options: try #require(Self.fixtureConfigs[name]))
        try trainer.add(corpusFile: Self.fixtures.appendingPathComponent("corpus.txt").path)
        let trained = try trainer.train()
        #expect(trained.jsonText == committed)

        let tok = try Tokenizer(contentsOf: fileURL)
        for (text, reference) in zip(probes, ids) {
            #expect(tok.encode(text, addSpecialTokens: true) == reference, "\(name): \(text.debugDescription)")
        }
    }
}
