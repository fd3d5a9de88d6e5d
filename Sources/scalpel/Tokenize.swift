import ArgumentParser
import ScalpelFormats
import ScalpelModels

/// `scalpel tokenize MODEL --text FILE`: the model's token ids for a text (no special tokens added).
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tokenize a text file with the model's tokenizer.")

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Option(help: "The UTF-8 text file to tokenize.")
    var text: String

    @Flag(help: "Add the tokenizer's special tokens (e.g. BOS).")
    var addSpecialTokens = false

    @Flag(help: "Print {\"ids\": [...]} as JSON.")
    var json = false

    func run() throws {
        let tokenizer = try Checkpoint.open(model).tokenizer()
        let ids = tokenizer.encode(try readText(text), addSpecialTokens: addSpecialTokens)
        if json {
            try JSONOutput.print(["ids": ids])
        } else {
            for id in ids { print("\(id)\t\(tokenizer.token(for: id) ?? "?")") }
        }
    }
}
