import ArgumentParser
import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels

/// `scalpel prune MODEL --drop 3,5,7 --out DIR`: removes whole decoder blocks.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove decoder blocks and write a Hugging Face folder (the input is never modified).",
        discussion: """
        Either name the blocks (--drop 4,18,23) or let a criterion choose: --drop-count N --criterion NAME with \
        scores from --importance FILE (the JSON `scalpel importance --out` writes) or computed now on --data FILE. \
        Safetensors input keeps its stored dtypes. GGUF input with an --out ending in .gguf gives a GGUF file \
        (tensors keep their quantization); otherwise a folder of f32 safetensors (no tokenizer.json).
        """)

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Option(help: "Comma-separated block indices to remove.")
    var drop: String?

    @Option(name: [.customLong("drop-count"), .customLong("auto")], help: "Remove this many of the least important blocks.")
    var dropCount: Int?

    @Option(help: "The criterion that picks the blocks.")
    var criterion: String?

    @Option(help: "Importance JSON to take the criterion's order from.")
    var importance: String?

    @Option(help: "Calibration data to score on now (instead of --importance).")
    var data: String?

    @Option(help: "General data (for domain_contrast).")
    var general: String?

    @Option(help: "Calibration samples when scoring now.")
    var samples = 64

    @Option(help: "Tokens per sample when scoring now.")
    var seqLen = 256

    @Option(help: "The output folder (must not exist or be empty), or a .gguf file for GGUF input.")
    var out: String

    func run() throws {
        let dropped = try blocks()
        let summary = model.hasSuffix(".gguf") && out.hasSuffix(".gguf")
            ? try BlockPruner.pruneGGUF(input: model, drop: dropped, output: out)
            : try BlockPruner.prune(input: model, drop: dropped, output: out)
        print("dropped blocks \(summary.dropped.map(String.init).joined(separator: ",")): \(summary.originalLayers) → \(summary.keptLayers) layers; "
              + "\(summary.tensorsWritten) tensors, \(String(format: "%.1f", Double(summary.bytesWritten) / 1_048_576)) MiB in \(summary.shards) file(s) → \(out)")
    }

    func blocks() throws -> [Int] {
        if let drop {
            guard dropCount == nil else { throw ValidationError("give --drop or --drop-count, not both") }
            return try drop.split(separator: ",").map {
                guard let i = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--drop: '\($0)' is not a block index") }
                return i
            }
        }
        guard let dropCount, let criterion else { throw ValidationError("give --drop LIST, or --drop-count N with --criterion NAME") }
        let order: [Int]
        if let importance {
            let root = try JSONValue.read(contentsOf: URL(fileURLWithPath: importance))
            guard let list = root["order"]?[criterion]?.array?.compactMap(\.int) else {
                throw ValidationError("\(importance) has no order for criterion '\(criterion)'")
            }
            order = list
        } else if let data {
            let checkpoint = try Checkpoint.open(model)
            var options = ImportanceScorer.Options()
            options.criteria = try BlockCriterion.parseList(criterion)
            let domain = try ImportanceCommand.calibration(data, checkpoint: checkpoint, samples: samples, seqLen: seqLen, chatFormat: nil, imageFolder: nil)
            let generalSet = try general.map { try ImportanceCommand.calibration($0, checkpoint: checkpoint, samples: samples, seqLen: seqLen, chatFormat: nil, imageFolder: nil) }
            let result = try ImportanceScorer(runner: CalibrationRunner(checkpoint: checkpoint), options: options).score(domain: domain, general: generalSet)
            order = result.order[criterion] ?? []
        } else {
            throw ValidationError("--drop-count needs --importance FILE or --data FILE")
        }
        guard dropCount > 0, dropCount <= order.count else { throw ValidationError("--drop-count must be 1…\(order.count)") }
        return Array(order.prefix(dropCount))
    }
}
