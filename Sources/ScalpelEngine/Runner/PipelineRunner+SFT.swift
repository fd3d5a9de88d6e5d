import Foundation
import ScalpelFormats
import ScalpelTrain

extension PipelineRunner {
    /// Heals the current model with the recipe's LoRA or full fine-tuning (`SFTRun`) in `train/`, merging
    /// the result into `train/merged/`, the model later stages read. `loss` events per optimizer step,
    /// validation losses as `metric` events (split `val`, with their step). A resumed run continues from
    /// the newest checkpoint the earlier attempt left in the stage's partial folder; a cancellation stops
    /// after the current step and its checkpoint.
    func runSFT(in work: String) throws -> StageOutcome {
        guard let sft = recipe.sft else { return StageOutcome() }
        let output = work + "/train"
        let resume = FileManager.default.fileExists(atPath: output + "/run.json")
        let method: SFTRunConfiguration.Method
        switch sft.method {
        case .lora:
            method = .lora(LoRAConfig(rank: sft.lora.rank, alpha: sft.lora.alpha, dropout: sft.lora.dropout,
                                      useRSLoRA: sft.lora.rsLoRA, targets: sft.lora.targets, seed: recipe.seed))
        case .full:
            method = .full(parts: sft.full.parts.map(\.rawValue))
        }
        let config = SFTRunConfiguration(
            model: context.model, data: sft.data, validation: sft.validation, validationFraction: 0, output: output,
            method: method, steps: sft.steps, batchSize: sft.batchSize, gradAccum: sft.gradAccum,
            learningRate: Float(sft.learningRate), warmup: sft.warmup, weightDecay: Float(sft.weightDecay),
            maxGradNorm: sft.maxGradNorm.map(Float.init), seqLen: sft.seqLen, evalEvery: sft.evalEvery,
            checkpointEvery: sft.checkpointEvery, seed: recipe.seed, resume: resume, merge: true)
        let run = try SFTRun(config)
        let stop = SFTRunStopFlag()
        let token = cancellation
        let emitter = self.emitter
        let began = emitter.elapsed
        var lastLoss: Double?
        let observer = SFTRunObserver(
            stage: { name, message in emitter.emit(.log(level: .info, message: "sft \(name): \(message)")) },
            step: { r in
                lastLoss = Double(r.loss)
                emitter.emit(.loss(step: r.step, loss: Double(r.loss), lr: Double(r.learningRate),
                                   tokensPerSecond: r.tokensPerSecond.isFinite ? max(0, r.tokensPerSecond) : 0))
                if token.isCancelled { stop.requestStop() }
            },
            validation: { step, loss in emitter.emit(.metric(name: "loss", value: Double(loss), split: "val", step: step)) },
            checkpoint: { step, path in emitter.emit(.log(level: .info, message: "sft checkpoint at step \(step): \(path)")) },
            progress: { [self] done, total in
                progress(.sft, done: done, total: total, unit: "steps", since: began)
                if token.isCancelled { stop.requestStop() }
            })
        if resume { log("sft: resuming from the checkpoint in \(output)") }
        let result = try run.run(observer: observer, stop: stop)
        if result.status == .cancelled { try cancellation.check(); throw RunCancelled(reason: "training stopped") }
        guard let merged = result.merged else {
            throw StageError(code: "sft_no_model", "training finished without a merged model")
        }
        let loss = result.loss.map(Double.init) ?? lastLoss
        context.finalLoss = loss
        var outcome = StageOutcome(artifacts: ["model": Self.relative(merged, to: work)],
                                   results: ["steps": .int(result.step), "final_loss": loss.map(JSONValue.double) ?? .null,
                                             "validation_loss": result.validationLoss.map { .double(Double($0)) } ?? .null])
        if let adapter = result.adapter { outcome.artifacts["adapter"] = Self.relative(adapter, to: work) }
        return outcome
    }

    /// `path` relative to the folder `base` (paths inside it), else unchanged.
    static func relative(_ path: String, to base: String) -> String {
        let p = URL(fileURLWithPath: path).standardizedFileURL.path, b = URL(fileURLWithPath: base).standardizedFileURL.path
        return p.hasPrefix(b + "/") ? String(p.dropFirst(b.count + 1)) : p
    }
}
