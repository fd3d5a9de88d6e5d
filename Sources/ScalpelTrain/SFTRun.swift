import Foundation
import ScalpelFormats
import ScalpelModels

/// A whole fine-tuning run: opens the model, builds the trainable decoder (LoRA or full), loads the
/// data and the validation split, runs the optimizer steps with gradient accumulation, evaluates,
/// checkpoints into the output folder (resumable bit for bit), and exports the PEFT adapter and,
/// on request, a merged checkpoint.
///
/// Output folder: `run.json` (the settings a resume must match), `checkpoints/step-NNNNNN/`
/// (`TrainingCheckpoint`, each folder renamed into place), `adapter/` (LoRA) and `merged/`.
public final class SFTRun {
    public let configuration: SFTRunConfiguration

    /// Checks the settings that need no file (steps, sizes, rates, LoRA hyperparameters, parts).
    /// - Throws: `ModelError` naming the first bad setting.
    public init(_ configuration: SFTRunConfiguration) throws {
        self.configuration = configuration
        try Self.validate(configuration)
    }

    static func validate(_ c: SFTRunConfiguration) throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw ModelError(message()) }
        }
        try check(c.steps >= 1, "steps must be at least 1 (got \(c.steps))")
        try check(c.batchSize >= 1, "batch size must be at least 1 (got \(c.batchSize))")
        try check(c.gradAccum >= 1, "gradient accumulation must be at least 1 (got \(c.gradAccum))")
        try check(c.seqLen >= 2, "sequence length must be at least 2 (got \(c.seqLen))")
        try check(c.learningRate.isFinite && c.learningRate > 0, "learning rate must be a positive number (got \(c.learningRate))")
        try check(c.warmup >= 0, "warmup must not be negative (got \(c.warmup))")
        try check(c.minLearningRateRatio >= 0 && c.minLearningRateRatio <= 1, "the minimum learning-rate ratio must lie in [0, 1] (got \(c.minLearningRateRatio))")
        try check(c.weightDecay.isFinite && c.weightDecay >= 0, "weight decay must not be negative (got \(c.weightDecay))")
        if let clip = c.maxGradNorm { try check(clip.isFinite && clip > 0, "the gradient-norm clip must be positive (got \(clip))") }
        try check(c.evalEvery >= 0, "eval-every must not be negative (got \(c.evalEvery))")
        try check(c.checkpointEvery >= 0, "checkpoint-every must not be negative (got \(c.checkpointEvery))")
        try check(c.validationFraction >= 0 && c.validationFraction < 1, "the validation fraction must lie in [0, 1) (got \(c.validationFraction))")
        try check(c.keepCheckpoints >= 1, "at least one checkpoint must be kept (got \(c.keepCheckpoints))")
        try check(!c.output.isEmpty, "no output folder given")
        switch c.method {
        case .lora(let lora):
            try check(lora.rank >= 1, "LoRA rank must be at least 1 (got \(lora.rank))")
            try check(lora.alpha.isFinite && lora.alpha > 0, "LoRA alpha must be positive (got \(lora.alpha))")
            try check(lora.dropout >= 0 && lora.dropout < 1, "LoRA dropout must lie in [0, 1) (got \(lora.dropout))")
            if case .suffixes(let list) = lora.targets { try check(!list.isEmpty, "no LoRA target modules given") }
        case .full(let parts):
            try check(!parts.isEmpty, "no parts chosen for full fine-tuning")
            _ = try fullFineTuning(parts: parts, layers: nil)
        }
    }

    /// The parts of a full fine-tuning: `decoder` (all blocks and the final norm), `blocks`,
    /// `blocks.N`, `blocks.A-B`, `embeddings`, `lm_head`, `norm`, `all`. With `layers` nil only the
    /// spelling is checked.
    public static func fullFineTuning(parts: [String], layers: Int?) throws -> FullFineTuning {
        var full = FullFineTuning()
        let n = layers ?? Int.max
        let known = "decoder, blocks, blocks.N, blocks.A-B, embeddings, lm_head, norm, all"
        func allBlocks() { if let layers { full.blocks.formUnion(0..<layers) } }
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            switch part {
            case "all":
                allBlocks()
                full.embeddings = true; full.finalNorm = true; full.lmHead = true
            case "decoder":
                allBlocks()
                full.finalNorm = true
            case "blocks": allBlocks()
            case "embeddings", "embed_tokens": full.embeddings = true
            case "lm_head", "head": full.lmHead = true
            case "norm", "final_norm": full.finalNorm = true
            case "projector", "vision_tower":
                throw ModelError("full fine-tuning of the \(part) is not supported by sft yet (parts: \(known))")
            default:
                guard part.hasPrefix("blocks.") else {
                    throw ModelError("unknown part \(part.debugDescription) for full fine-tuning (parts: \(known))")
                }
                let range = part.dropFirst("blocks.".count).split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(range.count), let lo = Int(range[0]), let hi = Int(range.last!), lo >= 0, lo <= hi else {
                    throw ModelError("bad block range \(part.debugDescription): write blocks.N or blocks.A-B")
                }
                guard hi < n else {
                    throw ModelError("part \(part) names block \(hi), but the model has \(n) blocks (0…\(n - 1))")
                }
                full.blocks.formUnion(lo...hi)
            }
        }
        return full
    }

    /// Runs (or resumes) the run to its last step, or until `stop` is set.
    /// - Throws: `FormatError`/`ModelError` for bad input (no tokenizer, no answer tokens, a LoRA
    ///   target matching nothing, a non-empty output folder without `resume`, ...).
    public func run(observer: SFTRunObserver = SFTRunObserver(), stop: SFTRunStopFlag? = nil) throws -> SFTRunResult {
        let c = configuration
        let folder = SFTRunFolder(path: c.output)
        try folder.prepare(resume: c.resume)

        observer.stage?("load", "opening \(c.model)")
        let setup = try SFTRunSetup(configuration: c)
        // Full fine-tuning of a safetensors base leaves a merged folder; of a GGUF base only its checkpoints.
        let writeMerged = c.merge || (setup.trainer.decoder.lora == nil && setup.checkpoint.gguf == nil)
        if writeMerged { try MergedCheckpoint.checkBase(setup.checkpoint) }
        try folder.recordSettings(setup.settings, resume: c.resume)
        var loader: SFTDataLoader? = setup.loader
        var resumedFrom: String?
        if c.resume, let latest = try folder.latestCheckpoint() {
            try TrainingCheckpoint.load(into: setup.trainer, loader: &loader, from: latest.path)
            resumedFrom = latest.path
        }
        let trainer = setup.trainer
        var lastCheckpoint = resumedFrom
        var lastCheckpointStep = trainer.step
        var lastLoss: Float?
        var validationLoss: Float?

        observer.stage?("train", resumedFrom.map { "resuming at step \(trainer.step) from \($0)" }
            ?? "\(setup.trainer.parameters.reduce(0) { $0 + $1.value.count }) trainable parameters, \(setup.loader.samples.count) training samples")
        observer.progress?(trainer.step, c.steps)

        func checkpoint() throws {
            guard lastCheckpointStep != trainer.step || lastCheckpoint == nil else { return }
            let path = try folder.writeCheckpoint(trainer: trainer, loader: loader, keep: c.keepCheckpoints)
            lastCheckpoint = path
            lastCheckpointStep = trainer.step
            observer.checkpoint?(trainer.step, path)
        }

        let started = Self.now()
        while trainer.step < c.steps {
            var batches: [TrainingBatch] = []
            for _ in 0..<c.gradAccum { batches.append(loader!.next()) }
            let t0 = Self.now()
            let report = try trainer.step(batches)
            let t1 = Self.now()
            guard report.loss.isFinite else {
                throw ModelError("the loss became \(report.loss) at step \(report.step): lower the learning rate (now \(report.learningRate))")
            }
            lastLoss = report.loss
            let seconds = t1 - t0
            observer.step?(SFTRunStepReport(step: report.step, totalSteps: c.steps, loss: report.loss,
                                            learningRate: report.learningRate, gradNorm: report.gradNorm,
                                            tokens: report.tokens,
                                            tokensPerSecond: seconds > 0 ? Double(report.tokens) / seconds : 0,
                                            seconds: seconds, elapsed: t1 - started))
            observer.progress?(report.step, c.steps)
            if c.evalEvery > 0, !setup.validation.isEmpty, report.step % c.evalEvery == 0 || report.step == c.steps {
                let loss = try trainer.evaluate(setup.validation)
                validationLoss = loss
                observer.validation?(report.step, loss)
            }
            if (c.checkpointEvery > 0 && report.step % c.checkpointEvery == 0) || report.step == c.steps {
                try checkpoint()
            }
            if trainer.step < c.steps, stop?.isStopRequested == true {
                try checkpoint()
                return SFTRunResult(status: .cancelled, step: trainer.step, loss: lastLoss, validationLoss: validationLoss,
                                    checkpoint: lastCheckpoint, adapter: nil, merged: nil)
            }
        }
        try checkpoint()
        if let lastCheckpoint { observer.artifact?("checkpoint", lastCheckpoint) }

        observer.stage?("export", "writing the outputs into \(c.output)")
        var adapter: String?, merged: String?
        if trainer.decoder.lora != nil {
            let path = folder.path + "/adapter"
            try SFTRunFolder.replaceAtomically(path) { tmp in
                try PEFTAdapter.write(trainer.decoder, to: tmp, baseModel: c.model)
            }
            adapter = path
            observer.artifact?("adapter", path)
        }
        if writeMerged {
            let path = folder.path + "/merged"
            try MergedCheckpoint.write(base: setup.checkpoint, decoder: trainer.decoder, to: path)
            merged = path
            observer.artifact?("merged", path)
        }
        return SFTRunResult(status: .completed, step: trainer.step, loss: lastLoss, validationLoss: validationLoss,
                            checkpoint: lastCheckpoint, adapter: adapter, merged: merged)
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
