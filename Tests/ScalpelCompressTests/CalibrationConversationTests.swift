import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

@Suite struct CalibrationConversationTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScalpelModelsTests/Fixtures/models/llava-image").path

    /// Characters as tokens (ids 2…), `<image>` as the added token 99, everything else `<unk>`.
    static func tokenizer() throws -> Tokenizer {
        let chars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ :?.,\n")
        var vocab: [String: Int] = ["<unk>": 0]
        for (i, c) in chars.enumerated() { vocab[String(c)] = i + 2 }
        vocab["<image>"] = 99
        let bpe = try BPE(vocab: vocab, merges: [], unkToken: "<unk>", byteLevel: false, file: "test")
        return try Tokenizer(model: bpe, addedTokens: [AddedToken(id: 99, content: "<image>", special: true)])
    }

    @Test func imageConversationEmbeddingsAndTokenClasses() throws {
        let folder = TinyModel.temporaryFolder("conversations")
        let json = """
        [{"id": "a", "image": "\(Self.fixture)/images/fundus.jpg",
          "conversations": [{"from": "human", "value": "<image>\\nWhat is shown?"}, {"from": "gpt", "value": "A fundus."}]},
         {"id": "b", "conversations": [{"from": "human", "value": "Hi?"}, {"from": "gpt", "value": "Hello."}]}]
        """
        try json.write(toFile: folder + "/data.json", atomically: true, encoding: .utf8)
        let records = try CalibrationSet.readConversations(file: folder + "/data.json")
        #expect(records.count == 2 && records[0].messages[0].images == 1 && records[1].image == nil)
        let checkpoint = try Checkpoint.open(Self.fixture)
        let tokenizer = try Self.tokenizer()
        let set = try CalibrationSet.conversations(records, checkpoint: checkpoint, tokenizer: tokenizer, format: .llava1_5,
                                                   samples: 4, seqLen: 200)
        let llava = try #require(try checkpoint.loadLlava())
        #expect(set.batch == 2)
        #expect(set.classes.filter { $0 == .image }.count == llava.featuresPerImage)
        #expect(set.warnings.contains { $0.contains("fewer") })
        // The first sample's rows are what LlavaModel.embed gives for the same ids and image.
        let ids = Array(set.tokens[0..<set.seqLen])
        let real = set.classes[0..<set.seqLen].filter { $0 != .padding }.count
        let pixels = try checkpoint.imagePreprocessor().pixelValues(fileAt: Self.fixture + "/images/fundus.jpg")
        let direct = try llava.embed(tokens: Array(ids.prefix(real)), pixelValues: pixels.values)
        let h = llava.config.text.hiddenSize
        let streamed = Array(UnsafeBufferPointer(start: set.embeddings!.pointer, count: real * h))
        #expect(streamed == direct.array)
        // Image positions predict nothing; text after the image does.
        #expect(set.targets[0..<set.seqLen].enumerated().allSatisfy { t, target in
            target == CalibrationSet.ignoreIndex || (t + 1 < real && set.classes[t + 1] == .text)
        })
        // Block influence splits by token class and the all-token score lies between the two.
        var options = ImportanceScorer.Options()
        options.criteria = [.blockInfluence]
        let result = try ImportanceScorer(runner: CalibrationRunner(checkpoint: checkpoint, microBatch: 1), options: options).score(domain: set)
        let all = try #require(result.scores["block_influence"])
        let text = try #require(result.byTokenClass["block_influence.text"]), image = try #require(result.byTokenClass["block_influence.image"])
        for l in 0..<all.count {
            let lo = min(text[l]!, image[l]!), hi = max(text[l]!, image[l]!)
            #expect(all[l] >= lo - 1e-9 && all[l] <= hi + 1e-9)
        }
        // The same sequences through the whole LLaVA decoder: the stream's last state equals the model's.
        let stats = try CalibrationRunner(checkpoint: checkpoint).forwardPass(set)
        let x = try llava.embed(tokens: Array(ids.prefix(real)), pixelValues: pixels.values)
        for weights in llava.languageModel.blocks {
            let (inv, scaling) = try RopeFrequencies.compute(llava.config.text, seqLen: real)
            LlamaBlock(config: llava.config.text, weights: weights).forward(
                x.pointer, step: BlockStep(batch: 1, seqLen: real), positions: (0..<real).map(Int32.init), invFreq: inv, attentionScaling: scaling)
        }
        let last = Array(UnsafeBufferPointer(start: x.pointer + (real - 1) * h, count: h))
        #expect(zip(stats.lastStates.last![0], last).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func imageRecordNeedsLlava() throws {
        let tiny = try TinyModel()
        let records = [CalibrationSet.Conversation(image: "/x.png", messages: [ChatMessage(role: "user", text: "a", images: 1)])]
        #expect(throws: CompressError.self) {
            try CalibrationSet.conversations(records, checkpoint: try tiny.checkpoint(), tokenizer: try Self.tokenizer(), format: .llava1_5, samples: 1, seqLen: 16)
        }
    }
}
