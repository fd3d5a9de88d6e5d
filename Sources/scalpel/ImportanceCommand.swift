import ArgumentParser
import Foundation
import ScalpelCompress
import ScalpelEngine
import ScalpelFormats
import ScalpelModels

/// `scalpel importance MODEL --data FILE`: scores every decoder block with the chosen criteria.
struct ImportanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "importance",
        abstract: "Score each decoder block on calibration data (streams the decoder one block at a time).",
        discussion: """
        Criteria: \(BlockCriterion.allCases.map(\.rawValue).joined(separator: ", ")). Scores are higher = more \
        important; "order" lists blocks least important first. Plain text files are cut into windows of \
        --seq-len tokens; a .json file is read as LLaVA conversations (images run through the vision tower); a .ids file holds \
        pre-tokenized ids separated by whitespace. \
        Formulas: docs/criteria.md.
        """)

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Option(help: "Domain calibration data: a UTF-8 text file, LLaVA conversation JSON, or token ids (.ids).")
    var data: String

    @Option(help: "General calibration data (needed by domain_contrast).")
    var general: String?

    @Option(help: "Comma-separated criteria.")
    var criteria = "block_influence,angular,magnitude,taylor"

    @Option(help: "Calibration samples.")
    var samples = 64

    @Option(help: "Tokens per sample.")
    var seqLen = 256

    @Option(name: .customLong("lambda"), help: "λ in domain_contrast = base(domain) − λ·base(general).")
    var lambda = 1.0

    @Option(help: "Base criterion of domain_contrast: block_influence or loo_ppl.")
    var contrastBase = "block_influence"

    @Option(help: "Run length n of the angular criterion's best contiguous run.")
    var angularN = 1

    @Option(help: "Greedy SLEB removals (default: a quarter of the blocks).")
    var slebSteps: Int?

    @Option(help: "Sequences per block call (default: as many as fit 128 MiB of block scratch).")
    var microBatch: Int?

    @Option(help: "Chat format for conversation JSON (llava1_5, chatml); default from the model.")
    var chatFormat: String?

    @Option(help: "Folder that conversation image paths are relative to (default: the JSON's folder).")
    var imageFolder: String?

    @Option(help: "Comma-separated drop counts: after scoring, measure perplexity with each criterion's choice removed.")
    var study: String?

    @Option(help: "Write the JSON result to this file.")
    var out: String?

    @Option(help: "Stream the event protocol (docs/protocol.md) to this file ('-': stdout): an `importance` event per block and criterion (and token class) as scores arrive, then `done` with the result.")
    var events: String?

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    func run() throws {
        let checkpoint = try Checkpoint.open(model)
        var options = ImportanceScorer.Options()
        options.criteria = try BlockCriterion.parseList(criteria)
        options.lambda = lambda
        guard let base = BlockCriterion(rawValue: contrastBase), [.blockInfluence, .looPPL].contains(base) else {
            throw ValidationError("--contrast-base must be block_influence or loo_ppl")
        }
        options.contrastBase = base
        options.angularRun = angularN
        options.slebSteps = slebSteps
        let domain = try Self.calibration(data, checkpoint: checkpoint, samples: samples, seqLen: seqLen,
                                          chatFormat: chatFormat, imageFolder: imageFolder)
        let generalSet = try general.map {
            try Self.calibration($0, checkpoint: checkpoint, samples: samples, seqLen: seqLen, chatFormat: chatFormat, imageFolder: imageFolder)
        }
        if options.criteria.contains(.domainContrast), generalSet == nil {
            throw ValidationError("domain_contrast needs --general FILE")
        }
        for w in domain.warnings + (generalSet?.warnings ?? []) { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        let batch = microBatch ?? CalibrationRunner.automaticMicroBatch(config: checkpoint.config.text, seqLen: domain.seqLen)
        let runner = CalibrationRunner(checkpoint: checkpoint, microBatch: batch)
        let quiet = json || events == "-"
        runner.progress = { stage, block in
            if !quiet { FileHandle.standardError.write(Data("\r\(stage): block \(block)   ".utf8)) }
        }
        var scorer = ImportanceScorer(runner: runner, options: options)
        let emitter = try events.map { path -> EventEmitter in
            let sink = try EventSinks.named(path)
            return EventEmitter(run: RunStore.runID(name: "importance", date: Date()), sinks: [sink])
        }
        if let emitter {
            emitter.emit(.hello(engine: "scalpel", version: ScalpelEngineVersion.string, backend: "swift", capabilities: ["importance"]))
            emitter.emit(.stage(name: "importance", index: 0, count: 1, state: .started))
            let layers = runner.layers
            runner.progress = { stage, block in
                if !quiet { FileHandle.standardError.write(Data("\r\(stage): block \(block)   ".utf8)) }
                emitter.emit(.progress(stage: "importance", done: block + 1, total: layers, unit: "blocks (\(stage))", rate: nil))
            }
            var streamed = false
            scorer.onBlockInfluence = { block, all, text, image in
                streamed = true
                emitter.emit(.importance(layer: block, criterion: "block_influence", score: all, tokenClass: .all))
                if let text { emitter.emit(.importance(layer: block, criterion: "block_influence", score: text, tokenClass: .text)) }
                if let image { emitter.emit(.importance(layer: block, criterion: "block_influence", score: image, tokenClass: .image)) }
            }
            scorer.onScores = { name, scores in
                if name == "block_influence" && streamed { return }
                for (layer, score) in scores.enumerated() where score.isFinite {
                    emitter.emit(.importance(layer: layer, criterion: name, score: score, tokenClass: .all))
                }
            }
        }
        var result: ImportanceResult
        do {
            result = try scorer.score(domain: domain, general: generalSet)
        } catch {
            emitter?.emit(.error(code: "importance_failed", message: "\(error)", hint: nil))
            emitter?.emit(.stage(name: "importance", index: 0, count: 1, state: .failed))
            emitter?.emit(.done(status: .failed, summary: .object([:])))
            throw error
        }
        if let study {
            let counts = try study.split(separator: ",").map { word -> Int in
                guard let k = Int(word.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--study: '\(word)' is not a count") }
                return k
            }
            try scorer.study(&result, counts: counts, domain: domain, general: generalSet)
        }
        if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
        let text = try result.json()
        if let out { try AtomicFile.write(text + "\n", to: out) }
        if let emitter {
            if let out {
                emitter.emit(.artifact(kind: "importance", path: out, bytes: RunFolder.bytes(at: out)))
            }
            emitter.emit(.stage(name: "importance", index: 0, count: 1, state: .completed))
            emitter.emit(.done(status: .completed, summary: try JSONValue.parse(string: text, file: "importance")))
        }
        if json { print(text) } else if events != "-" { print(result.table(), terminator: "") }
    }

    /// Calibration samples from a text file, LLaVA conversation JSON or token ids.
    static func calibration(_ path: String, checkpoint: Checkpoint, samples: Int, seqLen: Int,
                            chatFormat: String?, imageFolder: String?) throws -> CalibrationSet {
        do {
            return try CalibrationData.load(path, checkpoint: checkpoint, samples: samples, seqLen: seqLen,
                                            chatFormat: chatFormat, imageFolder: imageFolder)
        } catch let error as CompressError {
            throw ValidationError(error.description)
        }
    }
}
