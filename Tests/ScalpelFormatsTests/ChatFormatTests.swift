import Foundation
import Testing
@testable import ScalpelFormats

/// Chat prompts against transformers rendering the models' own Jinja templates.
@Suite struct ChatFormatTests {
    let fixture: JSONValue

    init() throws {
        fixture = try TokenizerFixtures.json("tokenizers/chat_templates.json")
    }

    static func messages(_ v: JSONValue) -> [ChatMessage] {
        v.array!.map { m in
            ChatMessage(role: m["role"]!.string!, text: (m["text"] ?? m["content"])!.string!, images: m["images"]?.int ?? 0)
        }
    }

    @Test func llavaMatchesTransformers() throws {
        let template = fixture["llava_template"]!.string!
        let format = try #require(ChatFormat.detect(template: template))
        #expect(format == .llava1_5)
        for c in fixture["llava_cases"]!.array! {
            let messages = Self.messages(c["messages"]!)
            #expect(format.render(messages) == c["prompt"]!.string!)
            #expect(format.render(messages, addGenerationPrompt: false) == c["prompt_no_generation"]!.string!)
        }
    }

    @Test func llavaLayout() {
        let prompt = ChatFormat.llava1_5.render([ChatMessage(role: "user", text: "What is this?", images: 1)])
        #expect(prompt == "USER: <image>\nWhat is this? ASSISTANT:")
        let turns = [ChatMessage(role: "user", text: "Q", images: 1), ChatMessage(role: "assistant", text: "A.")]
        let (text, spans) = ChatFormat.llava1_5.renderWithSpans(turns, addGenerationPrompt: false)
        #expect(text == "USER: <image>\nQ ASSISTANT: A. ")
        #expect(spans.count == 1)
        #expect(String(decoding: Array(text.utf8)[spans[0]], as: UTF8.self) == "A. ")
    }

    @Test func chatMLMatchesSmolLM2Template() throws {
        let smol = try TokenizerFixtures.json("tokenizers/smollm2_gguf.json")
        let template = smol["chat_template"]!.string!
        let format = try #require(ChatFormat.detect(template: template))
        #expect(format == .chatml(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        let chat = smol["chat"]!
        let messages = Self.messages(chat["messages"]!)
        #expect(format.render(messages) == chat["prompt"]!.string!)
        #expect(format.render(messages, addGenerationPrompt: false) == chat["prompt_no_generation"]!.string!)
        let withSystem = [ChatMessage(role: "system", text: "Be brief.")] + messages
        #expect(format.render(withSystem) == chat["prompt_with_system"]!.string!)
    }

    @Test func chatMLLayout() {
        let format = ChatFormat.chatml(defaultSystemPrompt: nil)
        let (text, spans) = format.renderWithSpans([ChatMessage(role: "user", text: "Hi"), ChatMessage(role: "assistant", text: "Hello")])
        #expect(text == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>assistant\n")
        #expect(String(decoding: Array(text.utf8)[spans[0]], as: UTF8.self) == "Hello<|im_end|>")
        #expect(format.stopStrings == ["<|im_end|>"])
    }

    @Test func selection() throws {
        #expect(ChatFormat.named("chatml") == .chatml(defaultSystemPrompt: nil))
        #expect(ChatFormat.named("LLaVA-1.5") == .llava1_5)
        #expect(ChatFormat.named("alpaca") == nil)
        // an explicit name wins over the template
        #expect(try ChatFormat.resolve(name: "llava1_5", template: "<|im_start|>") == .llava1_5)
        #expect(try ChatFormat.resolve(template: nil, modelType: "llava") == .llava1_5)
        // a template written with escaped newlines (as in tokenizer_config.json sources)
        let escaped = #"{{ '<|im_start|>system\nYou are kind.<|im_end|>\n' }}{% for m in messages %}{% endfor %}"#
        #expect(ChatFormat.detect(template: escaped) == .chatml(defaultSystemPrompt: "You are kind."))
        // a system prompt built from variables is not a default
        #expect(ChatFormat.detect(template: "{{ '<|im_start|>system\n' + system + '<|im_end|>' }}") == .chatml(defaultSystemPrompt: nil))
        #expect(ChatFormat.detect(template: "{{ bos_token }}[INST] {{ m }} [/INST]") == nil)
        do {
            _ = try ChatFormat.resolve(name: "alpaca")
            Issue.record("expected an error")
        } catch let e as FormatError {
            #expect(e.description.contains("alpaca") && e.description.contains("chatml"))
        }
        #expect(throws: FormatError.self) { try ChatFormat.resolve(template: "[INST]") }
    }
}
