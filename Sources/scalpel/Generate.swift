import ArgumentParser
import Foundation
import ScalpelFormats
import ScalpelModels

/// `scalpel generate MODEL --prompt TEXT`: greedy decoding in the model's chat format, streamed.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Greedy generation from a prompt, streamed to stdout.")

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Option(help: "The user's message.")
    var prompt: String

    @Option(help: "An image (PNG or JPEG) to ask about, for a LLaVA model.")
    var image: String?

    @Option(help: "Tokens to generate at most.")
    var maxTokens = 64

    @Option(help: "Chat format: llava1_5 or chatml (default: from the model).")
    var chatFormat: String?

    @Option(help: "A system message (ChatML).")
    var system: String?

    @Flag(help: "Use the prompt as is, without the chat format.")
    var raw = false

    @Flag(help: "Print the generated token ids as JSON at the end.")
    var json = false

    @Flag(help: "Run quantized linears (GGUF Q4_0/Q4_1/Q8_0, AWQ) dequantized to f32 instead of packed.")
    var dequantize = false

    @Flag(help: "Print prompt and decode speed (tokens/s) to stderr at the end.")
    var timing = false

    func run() throws {
        let checkpoint = try Checkpoint.open(model)
        let tokenizer = try checkpoint.tokenizer()
        let text: String
        var stopIds = Set(checkpoint.config.text.eosTokenIds)
        if let eos = tokenizer.eosTokenId { stopIds.insert(eos) }
        if raw {
            text = prompt
        } else {
            let format = try checkpoint.chatFormat(named: chatFormat, tokenizer: tokenizer)
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", text: system)) }
            messages.append(ChatMessage(role: "user", text: prompt, images: image == nil ? 0 : 1))
            text = format.render(messages, addGenerationPrompt: true)
            for stop in format.stopStrings { if let id = tokenizer.id(for: stop) { stopIds.insert(id) } }
        }
        var ids = tokenizer.encode(text, addSpecialTokens: true)
        let llava = try checkpoint.loadLlava()
        guard image == nil || llava != nil else {
            throw ValidationError("--image needs a LLaVA model; \(model) is a \(checkpoint.config.modelType) decoder")
        }
        let loadStart = Date()
        let decoder = try llava?.languageModel ?? (dequantize ? checkpoint.loadDecoder() : checkpoint.loadPackedDecoder())
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let promptEmbeddings: FloatBuffer
        if let llava, let image {
            // One image token in the text stands for all of the image's features.
            let imageToken = llava.config.imageTokenIndex
            ids = ids.flatMap { $0 == imageToken ? Array(repeating: imageToken, count: llava.featuresPerImage) : [$0] }
            let pixels = try checkpoint.imagePreprocessor().pixelValues(fileAt: image)
            promptEmbeddings = try llava.embed(tokens: ids, pixelValues: pixels.values)
        } else {
            promptEmbeddings = try decoder.embed(ids)
        }
        var printed = ""
        var produced: [Int] = []
        let start = Date()
        var stamps: [Date] = []
        let result = try GreedyDecoder(model: decoder).generate(
            promptEmbeddings: promptEmbeddings, promptLength: ids.count, maxTokens: maxTokens, stopIds: stopIds
        ) { token in
            produced.append(token)
            stamps.append(Date())
            let now = tokenizer.decode(produced, skipSpecialTokens: true)
            // Print only whole characters: hold back while the tail is an incomplete UTF-8 sequence.
            if !now.hasSuffix("\u{FFFD}"), now.hasPrefix(printed), !json {
                FileHandle.standardOutput.write(Data(now.dropFirst(printed.count).utf8))
                printed = now
            }
            return true
        }
        if timing, let first = stamps.first {
            let prefill = first.timeIntervalSince(start)
            let decode = stamps.count > 1 ? Double(stamps.count - 1) / stamps.last!.timeIntervalSince(first) : 0
            let packed = decoder.packedSummary
            let mode = packed.linears > 0 ? "packed (\(packed.linears) linears, \(packed.bytes / 1_048_576) MiB)" : "f32"
            let line = "\n\(mode): " + String(format: "load %.2f s, prompt %d tokens in %.3f s (%.1f tok/s), decode %d tokens at %.1f tok/s\n",
                                                   loadSeconds, ids.count, prefill, Double(ids.count) / prefill, stamps.count - 1, decode)
            FileHandle.standardError.write(Data(line.utf8))
        }
        if json {
            try JSONOutput.print(["prompt_ids": ids, "ids": result, "text": tokenizer.decode(result, skipSpecialTokens: true)])
        } else {
            print("")
        }
    }
}
