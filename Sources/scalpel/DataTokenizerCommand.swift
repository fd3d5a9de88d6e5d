import ArgumentParser
import Foundation
import ScalpelFormats
import ScalpelTrain

/// `scalpel data tokenizer --corpus FILE... --vocab-size N --out tokenizer.json`: trains a byte-level
/// BPE tokenizer.
struct DataTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train a byte-level BPE tokenizer on text and write tokenizer.json (Hugging Face format).",
        discussion: """
        A .json corpus file is read as LLaVA conversation JSON: every conversation is rendered in the \
        LLaVA-1.5 chat format and used as one sequence; any other file is UTF-8 text, one sequence per \
        line. Special tokens get the first ids (<unk>, <s>, </s>) and the last ones (<pad>, <image>). \
        The same corpus and options give the same file, byte for byte.
        """
    )

    @Option(name: .customLong("corpus"), parsing: .upToNextOption, help: "Text or conversation JSON files to train on.")
    var corpus: [String] = []

    @Option(help: "Total vocabulary size, special tokens included.")
    var vocabSize: Int

    @Option(help: "Where to write tokenizer.json (a folder gets DIR/tokenizer.json).")
    var out: String

    @Option(help: "Merge only pairs seen at least this many times.")
    var minFrequency = 2

    @Option(help: "Pre-tokenizer split: gpt2 or llama3.")
    var preTokenizer = "gpt2"

    @Option(help: "Special tokens with the first ids, comma-separated.")
    var leadingSpecials = "<unk>,<s>,</s>"

    @Option(help: "Special tokens with the last ids, comma-separated.")
    var trailingSpecials = "<pad>,<image>"

    @Flag(help: "Start from the bytes the corpus holds instead of all 256 (unseen bytes become <unk>).")
    var corpusAlphabet = false

    @Flag(help: "Print a summary as JSON.")
    var json = false

    func specials(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        if corpus.isEmpty { throw ValidationError("name at least one --corpus file") }
        if BPETokenizerTrainer.PreTokenization(rawValue: preTokenizer) == nil {
            throw ValidationError("--pre-tokenizer must be gpt2 or llama3")
        }
    }

    func run() throws {
        let lead = specials(leadingSpecials)
        let options = BPETokenizerTrainer.Options(
            vocabSize: vocabSize, minFrequency: minFrequency, leadingSpecialTokens: lead,
            trailingSpecialTokens: specials(trailingSpecials), fullByteAlphabet: !corpusAlphabet,
            preTokenization: BPETokenizerTrainer.PreTokenization(rawValue: preTokenizer)!,
            bosToken: lead.contains("<s>") ? "<s>" : nil)
        var trainer: BPETokenizerTrainer
        do { trainer = try BPETokenizerTrainer(options: options) } catch let error as FormatError {
            throw ValidationError(error.problem)
        }
        for file in corpus {
            try trainer.add(corpusFile: file)
        }
        let trained = try trainer.train()
        var path = out
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            path = URL(fileURLWithPath: out).appendingPathComponent("tokenizer.json").path
        }
        try trained.write(to: path)
        let summary: [String: Any] = [
            "path": path, "vocab_size": trained.vocabularySize, "merges": trained.merges.count,
            "alphabet": trained.alphabet.count, "special_tokens": trained.specialTokenIds,
        ]
        if json {
            try JSONOutput.print(summary)
        } else {
            let ids = trained.specialTokenIds.sorted { $0.value < $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            print("wrote \(path): \(trained.vocabularySize) tokens (\(trained.alphabet.count) bytes, \(trained.merges.count) merges; \(ids))")
            if trained.vocabularySize < vocabSize {
                print("note: the corpus ran out of pairs seen \(minFrequency)+ times before \(vocabSize) tokens")
            }
        }
    }
}
