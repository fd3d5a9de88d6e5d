/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// "system", "user" or "assistant".
    public var role: String
    public var text: String
    /// How many images the turn carries; each renders as `<image>\n` before the text.
    public var images: Int

    public init(role: String, text: String, images: Int = 0) {
        self.role = role
        self.text = text
        self.images = images
    }
}

/// How a conversation is written as one prompt string: the chat templates Scalpel knows, rendered
/// in Swift exactly as transformers renders their Jinja.
public enum ChatFormat: Sendable, Equatable {
    /// LLaVA-1.5 (`llava-hf/llava-1.5-7b-hf` chat template): `USER: <image>\nWhat is this? ASSISTANT:`.
    ///
    /// Each non-system turn starts with its role in capitals and `": "`, then `<image>\n` per image,
    /// then the text and one space; a system turn is its text and one space; the generation prompt
    /// is `ASSISTANT:` (no trailing space). Assistant turns end with a space, not `</s>`.
    case llava1_5
    /// ChatML: `<|im_start|>role\ntext<|im_end|>\n` per turn, generation prompt
    /// `<|im_start|>assistant\n`. With a default system prompt (SmolLM2's template has one), a
    /// conversation that does not open with a system turn gets it first.
    case chatml(defaultSystemPrompt: String?)

    /// The image placeholder in prompts.
    public static let imageToken = "<image>"

    /// The Jinja chat template that renders `llava1_5` exactly as `render(_:addGenerationPrompt:)`:
    /// `llava-hf/llava-1.5-7b-hf`'s template (images first as `<image>\n`, then the text and one
    /// space; `{% generation %}` around assistant text), also taking a message's `content` as a plain
    /// string. A LLaVA folder holds it in `chat_template.json` (`llava1_5ChatTemplateFile`), where
    /// transformers' `processor.apply_chat_template` finds it; `detect(template:)` reads it as `.llava1_5`.
    public static let llava1_5ChatTemplate = """
        {% for message in messages %}{% if message['role'] != 'system' %}\
        {{ message['role'].upper() + ': '}}{% endif %}\
        {% if message['content'] is string %}\
        {% if message['role'] != 'assistant' %}{{ message['content'] + ' '}}\
        {% else %}{% generation %}{{ message['content'] + ' '}}{% endgeneration %}{% endif %}\
        {% else %}\
        {# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}\
        {{ '<image>\n' }}{% endfor %}\
        {# Render all text next #}{% if message['role'] != 'assistant' %}\
        {% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}{% endfor %}\
        {% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}\
        {% generation %}{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}\
        {% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}
        """

    /// The contents of a LLaVA folder's `chat_template.json`: `{"chat_template": llava1_5ChatTemplate}`,
    /// pretty-printed, with a final newline.
    public static var llava1_5ChatTemplateFile: String {
        JSONValue.object(["chat_template": .string(llava1_5ChatTemplate)]).prettyPrinted() + "\n"
    }

    /// The format's name, as `named(_:)` accepts it.
    public var name: String {
        switch self {
        case .llava1_5: "llava1_5"
        case .chatml: "chatml"
        }
    }

    /// Whether a trained assistant turn ends with the tokenizer's EOS token, which the rendered text does
    /// not show: LLaVA-1.5 was trained on `ASSISTANT: answer</s>` while its chat template renders
    /// `ASSISTANT: answer `, so fine-tuning on the template's text alone would teach a model never to stop.
    /// ChatML closes its turns with `<|im_end|>` in the text itself.
    public var endsAnswersWithEOS: Bool {
        if case .llava1_5 = self { return true }
        return false
    }

    /// Text the model writes to end its turn (for stopping generation), beyond the EOS token.
    public var stopStrings: [String] {
        switch self {
        case .llava1_5: ["</s>", "USER:"]
        case .chatml: ["<|im_end|>"]
        }
    }

    /// A format by name: "llava1_5" (also "llava-1.5", "llava", "vicuna") or "chatml" (no default
    /// system prompt). Nil for an unknown name.
    public static func named(_ name: String) -> ChatFormat? {
        switch name.lowercased() {
        case "llava1_5", "llava-1.5", "llava_1_5", "llava1.5", "llava", "vicuna": .llava1_5
        case "chatml": .chatml(defaultSystemPrompt: nil)
        default: nil
        }
    }

    /// The names `named(_:)` knows.
    public static let knownNames = ["llava1_5", "chatml"]

    /// Recognises a Jinja chat template by its content: ChatML markers, or LLaVA's
    /// `USER: ` / `ASSISTANT:` turns. Nil when it is neither.
    public static func detect(template: String) -> ChatFormat? {
        if template.contains("<|im_start|>") {
            return .chatml(defaultSystemPrompt: defaultSystemPrompt(in: template))
        }
        let upperRoles = template.contains("['role'].upper()") || template.contains("[\"role\"].upper()")
            || template.contains("role.upper()") || template.contains("USER: ") || template.contains("'USER'")
        if upperRoles && template.contains("ASSISTANT:") {
            return .llava1_5
        }
        return nil
    }

    /// Picks a format: an explicit name wins, then the template's content, then the model type
    /// ("llava" → LLaVA-1.5).
    ///
    /// - Parameter file: named in errors.
    /// - Throws: `FormatError` for an unknown name, or when nothing decides.
    public static func resolve(name: String? = nil, template: String? = nil, modelType: String? = nil,
                               file: String = "<chat template>") throws -> ChatFormat {
        if let name {
            guard let format = named(name) else {
                throw FormatError(file: file, "unknown chat format \(name.debugDescription) (known: \(knownNames.joined(separator: ", ")))")
            }
            return format
        }
        if let template, let format = detect(template: template) { return format }
        if modelType == "llava" { return .llava1_5 }
        if template != nil {
            throw FormatError(file: file, "the chat template is neither ChatML nor LLaVA-1.5; name a format (\(knownNames.joined(separator: ", ")))")
        }
        throw FormatError(file: file, "no chat template; name a format (\(knownNames.joined(separator: ", ")))")
    }

    /// Renders messages into a prompt string.
    ///
    /// - Parameter addGenerationPrompt: end with the cue for the assistant's next turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        renderWithSpans(messages, addGenerationPrompt: addGenerationPrompt).text
    }

    /// Renders messages and reports where each assistant turn's text (with what the template
    /// writes after it inside the turn: LLaVA's trailing space, ChatML's `<|im_end|>`) lies, as
    /// UTF-8 byte ranges of the text — the tokens to train on in answer-only fine-tuning.
    public func renderWithSpans(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> (text: String, assistantSpans: [Range<Int>]) {
        var out = ""
        var spans: [Range<Int>] = []
        func images(_ n: Int) -> String { String(repeating: Self.imageToken + "\n", count: max(0, n)) }
        switch self {
        case .llava1_5:
            for m in messages {
                if m.role != "system" { out += m.role.uppercased() + ": " }
                out += images(m.images)
                let start = out.utf8.count
                out += m.text + " "
                if m.role == "assistant" { spans.append(start..<out.utf8.count) }
            }
            if addGenerationPrompt { out += "ASSISTANT:" }
        case .chatml(let defaultSystem):
            if let defaultSystem, messages.first?.role != "system" {
                out += "<|im_start|>system\n" + defaultSystem + "<|im_end|>\n"
            }
            for m in messages {
                out += "<|im_start|>" + m.role + "\n"
                let start = out.utf8.count
                out += images(m.images) + m.text + "<|im_end|>"
                if m.role == "assistant" { spans.append(start..<out.utf8.count) }
                out += "\n"
            }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        }
        return (out, spans)
    }

    /// The literal system prompt a ChatML template inserts when the conversation has none:
    /// the text between `<|im_start|>system\n` and `<|im_end|>` when it contains no template code.
    static func defaultSystemPrompt(in template: String) -> String? {
        for opener in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            var rest = template[...]
            while let open = rest.range(of: opener) {
                let after = rest[open.upperBound...]
                guard let close = after.range(of: "<|im_end|>") else { break }
                let body = after[..<close.lowerBound]
                let isLiteral = !body.isEmpty && !body.contains("'") && !body.contains("\"") && !body.contains("{")
                    && !body.contains("}") && !body.contains("+")
                if isLiteral {
                    return String(body).replacingEscapedNewlines()
                }
                rest = after[close.upperBound...]
            }
        }
        return nil
    }
}

extension String {
    /// `\n` written as two characters (inside a Jinja string literal) turned into a newline.
    fileprivate func replacingEscapedNewlines() -> String {
        var out = ""
        var chars = makeIterator()
        while let c = chars.next() {
            if c == "\\" {
                if let d = chars.next() {
                    out.append(d == "n" ? "\n" : d == "t" ? "\t" : d)
                } else {
                    out.append(c)
                }
            } else {
                out.append(c)
            }
        }
        return out
    }
}
