import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelModels

/// SmolLM2-135M-Instruct from its Q4_1 GGUF against transformers on the same file
/// (scripts/fixtures/make_smollm2_reference.py). Skipped when scripts/setup.sh has not fetched it.
@Suite("SmolLM2-135M against transformers", .enabled(if: RealModel.smolLM2 != nil, "SmolLM2 GGUF not in the model cache; run scripts/setup.sh"))
struct SmolLM2Tests {
    struct Reference: Decodable {
        var chat: String
        var prompt_ids: [Int]
        var generated_ids: [Int]
        var gpl3_ids: [Int]
        var gpl3_perplexity: Double
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "Fixtures/smollm2-reference", withExtension: "json")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    static let checkpoint: Checkpoint = try! Checkpoint.open(RealModel.smolLM2!)
    static let model: LlamaModel = try! checkpoint.loadDecoder()

    @Test("the chat prompt renders and tokenizes to the same ids")
    func promptIds() throws {
        let tokenizer = try Self.checkpoint.tokenizer()
        let format = try Self.checkpoint.chatFormat(tokenizer: tokenizer)
        let text = format.render([ChatMessage(role: "user", text: "What are the warning signs of melanoma on the skin?")])
        #expect(text == Self.reference.chat)
        #expect(tokenizer.encode(text) == Self.reference.prompt_ids)
    }

    @Test("greedy decoding of 32 tokens equals transformers")
    func greedy() throws {
        let produced = try GreedyDecoder(model: Self.model).generate(prompt: Self.reference.prompt_ids, maxTokens: 32, stopIds: [])
        #expect(produced == Self.reference.generated_ids)
    }

    @Test("perplexity of the first 2048 GPL-3 tokens is within 0.1% of transformers")
    func perplexity() throws {
        let result = try Perplexity.evaluate(Self.model, tokens: Self.reference.gpl3_ids, context: 2048)
        let relative = abs(result.perplexity - Self.reference.gpl3_perplexity) / Self.reference.gpl3_perplexity
        #expect(relative < 1e-3, "Scalpel \(result.perplexity) vs transformers \(Self.reference.gpl3_perplexity)")
        #expect(result.predicted == 2047)
    }

    @Test("the GGUF tokenizer gives transformers' ids for GPL-3")
    func tokenizerIds() throws {
        let text = try String(contentsOfFile: "/usr/share/common-licenses/GPL-3", encoding: .utf8)
        let ids = try Self.checkpoint.tokenizer().encode(text)
        #expect(Array(ids.prefix(2048)) == Self.reference.gpl3_ids)
    }
}
