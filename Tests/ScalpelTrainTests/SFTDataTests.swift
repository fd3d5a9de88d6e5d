import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelTrain

@Suite("SFT data")
struct SFTDataTests {
    /// A byte-level BPE tokenizer: one token per byte (ids 0-255), the merges "h i" (256) and "Ġ o"
    /// (259, a space glued to the next word's first letter) and the ChatML markers as added tokens (257, 258).
    static func tokenizer(withEOS: Bool = false) throws -> Tokenizer {
        var vocab: [String: JSONValue] = [:]
        for b in 0..<256 { vocab[String(ByteLevel.byteToScalar[b])] = .int(b) }
        vocab["hi"] = .int(256)
        vocab["Ġo"] = .int(259)
        func added(_ id: Int, _ content: String) -> JSONValue {
            .object(["id": .int(id), "content": .string(content), "special": .bool(true), "single_word": .bool(false),
                     "lstrip": .bool(false), "rstrip": .bool(false), "normalized": .bool(false)])
        }
        let json: JSONValue = .object([
            "added_tokens": .array([added(257, "<|im_start|>"), added(258, "<|im_end|>")] + (withEOS ? [added(260, "</s>")] : [])),
            "pre_tokenizer": .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(false),
                                      "trim_offsets": .bool(true), "use_regex": .bool(true)]),
            "decoder": .object(["type": .string("ByteLevel")]),
            "model": .object(["type": .string("BPE"), "vocab": .object(vocab), "merges": .array([.string("h i"), .string("Ġ o")])]),
        ])
        return try Tokenizer(json: json)
    }

    @Test("answer-only labels: prompt tokens get -100, assistant text and <|im_end|> keep their ids")
    func answerOnlyMasking() throws {
        let tok = try Self.tokenizer()
        let messages = [ChatMessage(role: "user", text: "hi there"), ChatMessage(role: "assistant", text: "ok hi"),
                        ChatMessage(role: "user", text: "again"), ChatMessage(role: "assistant", text: "bye")]
        let sample = SFTData.conversation(messages, format: .chatml(defaultSystemPrompt: nil), tokenizer: tok)
        #expect(sample.tokens == tok.encode(ChatFormat.chatml(defaultSystemPrompt: nil).render(messages, addGenerationPrompt: false)))
        // The labelled runs, decoded, are exactly the two answers with their closing marker.
        var runs: [[Int]] = [], current: [Int] = []
        for (t, l) in zip(sample.tokens, sample.labels) {
            if l == -100 {
                if !current.isEmpty { runs.append(current); current = [] }
            } else {
                #expect(l == t)
                current.append(t)
            }
        }
        if !current.isEmpty { runs.append(current) }
        #expect(runs.map { tok.decode($0) } == ["ok hi<|im_end|>", "bye<|im_end|>"])
        #expect(sample.labels.first == -100)
        let prompt = tok.encode("<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n")
        #expect(sample.labels.prefix(prompt.count).allSatisfy { $0 == -100 })
        #expect(sample.labels[prompt.count] == sample.tokens[prompt.count])
    }

    @Test("a token straddling the answer's start (LLaVA's space after ASSISTANT:) is labelled")
    func straddlingToken() throws {
        let tok = try Self.tokenizer()
        let messages = [ChatMessage(role: "user", text: "hi"), ChatMessage(role: "assistant", text: "ok hi")]
        let sample = SFTData.conversation(messages, format: .llava1_5, tokenizer: tok)
        // "USER: hi ASSISTANT: ok hi " — " ok" starts with the glued token "Ġo".
        let labelled = zip(sample.tokens, sample.labels).filter { $0.1 != -100 }.map(\.0)
        #expect(labelled.first == 259)
        #expect(tok.decode(labelled) == " ok hi ")
        #expect(sample.labels.filter { $0 != -100 }.count == labelled.count)
    }

    @Test("LLaVA-1.5 answers end with a labelled EOS the rendered text does not show; the rest is the text's tokens")
    func llavaAnswersEndWithEOS() throws {
        let tok = try Self.tokenizer(withEOS: true)
        #expect(tok.eosTokenId == 260)
        let messages = [ChatMessage(role: "user", text: "hi"), ChatMessage(role: "assistant", text: "ok"),
                        ChatMessage(role: "user", text: "again"), ChatMessage(role: "assistant", text: "hi")]
        let sample = SFTData.conversation(messages, format: .llava1_5, tokenizer: tok, addBOS: false)
        let eosAt = sample.tokens.indices.filter { sample.tokens[$0] == 260 }
        #expect(eosAt.count == 2)
        #expect(eosAt.allSatisfy { sample.labels[$0] == 260 && sample.labels[$0 - 1] != -100 })
        #expect(eosAt.allSatisfy { $0 + 1 == sample.tokens.count || sample.labels[$0 + 1] == -100 })
        let withoutEOS = sample.tokens.filter { $0 != 260 }
        #expect(withoutEOS == tok.encode(ChatFormat.llava1_5.render(messages, addGenerationPrompt: false)))
        // The labelled runs are each answer with its trailing space, then EOS.
        var runs: [[Int]] = [], current: [Int] = []
        for (t, l) in zip(sample.tokens, sample.labels) {
            if l == -100 { if !current.isEmpty { runs.append(current); current = [] } } else { current.append(t) }
        }
        if !current.isEmpty { runs.append(current) }
        // " ok" glues its space into "Ġo" (labelled, straddling); " hi" splits into "Ġ" (prompt) and "hi".
        #expect(runs.map { tok.decode(Array($0.dropLast())) } == [" ok ", "hi "])
        #expect(runs.allSatisfy { $0.last == 260 })
        // ChatML closes its turns in the text: no EOS added.
        let chatml = SFTData.conversation(messages, format: .chatml(defaultSystemPrompt: nil), tokenizer: tok, addBOS: false)
        #expect(!chatml.tokens.contains(260))
    }

    @Test("collate pads on the right, shifts labels to targets and masks padding keys")
    func collate() {
        let batch = SFTData.collate([TrainingSample(tokens: [5, 6, 7], labels: [-100, 6, 7]), TrainingSample(tokens: [8, 9])], padId: 0)
        #expect(batch.batch == 2 && batch.seqLen == 3)
        #expect(batch.inputs == [5, 6, 7, 8, 9, 0])
        #expect(batch.targets == [6, 7, -100, 9, -100, -100])
        #expect(batch.keyMask == [1, 1, 1, 1, 1, 0])
        #expect(batch.countedTargets == 3 && batch.realTokens == 5)
        let full = SFTData.collate([TrainingSample(tokens: [1, 2])], padId: 0)
        #expect(full.keyMask == nil)
    }

    @Test("plain text becomes fixed windows; the short tail is dropped")
    func windows() throws {
        let w = SFTData.textWindows(Array(0..<10), length: 4)
        #expect(w.map(\.tokens) == [[0, 1, 2, 3], [4, 5, 6, 7]])
        #expect(w[0].labels == w[0].tokens)
        let tok = try Self.tokenizer()
        #expect(SFTData.textWindows(text: "hi hi hi", tokenizer: tok, length: 3).map(\.tokens) == [[256, 32, 256]])
    }

    @Test("LLaVA conversation JSON: roles mapped; image samples refused (text-only) with their id")
    func llavaJSON() throws {
        let json = try JSONValue.parse(string: #"""
        [{"id": "a1", "conversations": [{"from": "human", "value": "What is a mole?"}, {"from": "gpt", "value": "A skin lesion."}]}]
        """#)
        let convs = try SFTData.llavaConversations(json: json)
        #expect(convs == [[ChatMessage(role: "user", text: "What is a mole?"), ChatMessage(role: "assistant", text: "A skin lesion.")]])
        let withImage = try JSONValue.parse(string: #"[{"id": "b7", "image": "x.png", "conversations": []}]"#)
        #expect { try SFTData.llavaConversations(json: withImage, file: "d.json") } throws: { error in
            "\(error)".contains("b7") && "\(error)".contains("d.json")
        }
    }

    @Test("data files: .json as conversations, other files as text windows; clear errors")
    func files() throws {
        let tok = try Self.tokenizer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-data-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let json = dir + "/d.json", text = dir + "/t.txt", short = dir + "/s.txt"
        try #"[{"id": 1, "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "ok"}]}]"#
            .write(toFile: json, atomically: true, encoding: .utf8)
        try String(repeating: "hi there ", count: 10).write(toFile: text, atomically: true, encoding: .utf8)
        try "hi".write(toFile: short, atomically: true, encoding: .utf8)
        let chat = ChatFormat.chatml(defaultSystemPrompt: nil)
        let conv = try SFTData.load(path: json, tokenizer: tok, format: chat, seqLen: 64)
        #expect(conv.count == 1 && conv[0].labels.contains { $0 != -100 })
        let windows = try SFTData.load(path: text, tokenizer: tok, format: chat, seqLen: 8)
        #expect(windows.count > 1 && windows.allSatisfy { $0.tokens.count == 8 })
        #expect { try SFTData.load(path: short, tokenizer: tok, format: chat, seqLen: 8) } throws: { "\($0)".contains("shorter than one window") }
        #expect { try SFTData.load(path: dir + "/missing.txt", tokenizer: tok, format: chat, seqLen: 8) } throws: { "\($0)".contains("missing.txt") }
    }
}
