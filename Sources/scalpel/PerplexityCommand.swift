import ArgumentParser
import Foundation
import ScalpelFormats
import ScalpelModels

/// `scalpel perplexity MODEL --text FILE`: perplexity over non-overlapping windows.
struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a text (tokenized without special tokens) in windows of --ctx tokens.")

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Option(help: "The UTF-8 text file.")
    var text: String

    @Option(help: "Window length in tokens.")
    var ctx = 2048

    @Option(help: "Keep only the first N tokens.")
    var maxTokens: Int?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let checkpoint = try Checkpoint.open(model)
        var ids = try checkpoint.tokenizer().encode(try readText(text), addSpecialTokens: false)
        if let maxTokens { ids = Array(ids.prefix(max(0, maxTokens))) }
        let decoder = try checkpoint.loadDecoder()
        let start = Date()
        let result = try Perplexity.evaluate(decoder, tokens: ids, context: ctx) { done, total in
            if !json { FileHandle.standardError.write(Data("\rwindow \(done)/\(total)".utf8)) }
        }
        let seconds = Date().timeIntervalSince(start)
        if json {
            try JSONOutput.print(["perplexity": result.perplexity, "mean_nll": result.meanNLL, "tokens": ids.count,
                                  "predicted": result.predicted, "windows": result.windows, "ctx": ctx,
                                  "seconds": seconds])
        } else {
            FileHandle.standardError.write(Data("\n".utf8))
            print(String(format: "perplexity %.4f over %d predicted tokens (%d windows of ≤%d), %.1f s, %.0f tok/s",
                         result.perplexity, result.predicted, result.windows, ctx, seconds, Double(ids.count) / seconds))
        }
    }
}
