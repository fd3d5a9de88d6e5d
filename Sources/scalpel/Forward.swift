import ArgumentParser
import ScalpelFormats
import ScalpelModels

/// `scalpel forward MODEL --tokens 1,2,3 --json`: logits for every input position, for comparing
/// implementations.
struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the model on token ids and print the logits of every position.")

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Option(help: "Comma-separated token ids.")
    var tokens: String

    @Option(help: "An image (PNG or JPEG) for a LLaVA model, repeatable in prompt order; --tokens holds the image token once per image feature.")
    var image: [String] = []

    @Flag(help: "Print {\"shape\": [T, V], \"logits\": [[...]]} (the only output format).")
    var json = false

    func run() throws {
        let ids = try tokens.split(separator: ",").map { piece -> Int in
            guard let id = Int(piece.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--tokens: '\(piece)' is not an integer")
            }
            return id
        }
        guard !ids.isEmpty else { throw ValidationError("--tokens is empty") }
        let checkpoint = try Checkpoint.open(model)
        let logits: [Float]
        if let llava = try checkpoint.loadLlava() {
            let preprocessor = try checkpoint.imagePreprocessor()
            logits = try llava.logits(tokens: ids, images: try image.map { try preprocessor.pixelValues(fileAt: $0) })
        } else {
            guard image.isEmpty else { throw ValidationError("--image needs a LLaVA model; \(model) is a \(checkpoint.config.modelType) decoder") }
            logits = try checkpoint.loadDecoder().logits(tokens: ids)
        }
        let vocab = checkpoint.config.text.vocabSize
        var out = "{\"shape\":[\(ids.count),\(vocab)],\"logits\":["
        for row in 0..<ids.count {
            if row > 0 { out += "," }
            out += "["
            for j in 0..<vocab {
                if j > 0 { out += "," }
                out += JSONOutput.number(logits[row * vocab + j])
            }
            out += "]"
        }
        out += "]}"
        print(out)
    }
}

import Foundation
