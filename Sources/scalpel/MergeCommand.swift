import ArgumentParser
import Foundation
import ScalpelFormats
import ScalpelTrain

/// `scalpel merge BASE ADAPTER --out DIR`: folds a PEFT LoRA adapter into its base and writes a
/// standard checkpoint folder.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Fold a PEFT LoRA adapter into its base model and write a standard checkpoint folder.",
        discussion: """
        DIR gets config.json, model.safetensors (the adapted linears as F32, every other tensor as stored) and the \
        base's tokenizer and preprocessor files; a LLaVA base keeps its vision tower and projector. The folder \
        is written under a temporary name and renamed into place.
        """)

    @Argument(help: "The base model: a Hugging Face safetensors folder (LLaMA or LLaVA).")
    var base: String

    @Argument(help: "The PEFT adapter folder (adapter_config.json + adapter_model.safetensors).")
    var adapter: String

    @Option(help: "The output folder (must not exist or be empty).")
    var out: String

    func run() throws {
        let fm = FileManager.default
        if let entries = try? fm.contentsOfDirectory(atPath: out), !entries.isEmpty {
            throw ValidationError("\(out) is not empty: choose a new output folder")
        }
        let start = Date()
        try MergedCheckpoint.merge(base: base, adapter: adapter, to: out)
        print(String(format: "merged %@ into %@ → %@ (%.1f s)", adapter, base, out, Date().timeIntervalSince(start)))
    }
}
