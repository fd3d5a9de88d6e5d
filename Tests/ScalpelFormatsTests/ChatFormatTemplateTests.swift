import Foundation
import Testing
@testable import ScalpelFormats

/// The LLaVA-1.5 Jinja template Scalpel writes beside LLaVA models (transformers renders it in
/// backends/torch/tests/test_chat.py and checks it against this format's text and token ids).
@Suite struct ChatFormatTemplateTests {
    static let sampleModel = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sample-models/derm-llava-tiny")

    @Test func templateIsReadAsLlava() {
        #expect(ChatFormat.detect(template: ChatFormat.llava1_5ChatTemplate) == .llava1_5)
        // One line of template code; its only newline is the one after each image placeholder.
        #expect(ChatFormat.llava1_5ChatTemplate.filter { $0 == "\n" }.count == 1)
        #expect(ChatFormat.llava1_5ChatTemplate.contains("{{ '<image>\n' }}"))
        #expect(ChatFormat.llava1_5ChatTemplate.hasSuffix("{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"))
    }

    @Test func fileHoldsTheTemplate() throws {
        let json = try JSONValue.parse(string: ChatFormat.llava1_5ChatTemplateFile)
        #expect(json["chat_template"]?.string == ChatFormat.llava1_5ChatTemplate)
        #expect(json.object?.count == 1)
        #expect(ChatFormat.llava1_5ChatTemplateFile.hasSuffix("}\n"))
    }

    @Test func sampleModelShipsTheTemplate() throws {
        let file = Self.sampleModel.appendingPathComponent("chat_template.json")
        try #require(FileManager.default.fileExists(atPath: file.path), "no \(file.path)")
        #expect(try String(contentsOf: file, encoding: .utf8) == ChatFormat.llava1_5ChatTemplateFile)
        let tokenizer = try Tokenizer(directory: Self.sampleModel)
        #expect(tokenizer.chatTemplate == ChatFormat.llava1_5ChatTemplate)
        #expect(try ChatFormat.resolve(template: tokenizer.chatTemplate) == .llava1_5)
    }
}
