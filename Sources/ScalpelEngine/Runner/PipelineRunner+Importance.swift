import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels

extension PipelineRunner {
    /// Scores every block of the input model with the recipe's criteria; `importance` events stream as
    /// scores arrive (block influence block by block, with its image/text split; other criteria when
    /// complete). Writes `importance.json` (the `scalpel importance --out` format).
    func runImportance(in work: String) throws -> StageOutcome {
        guard let importance = recipe.importance, let calibration = recipe.calibration else {
            throw StageError(code: "importance_settings", "importance needs the recipe's calibration section",
                             hint: "add calibration: {domain: FILE}")
        }
        let checkpoint = try Checkpoint.open(context.model)
        var options = ImportanceScorer.Options()
        options.criteria = importance.criteria
        options.lambda = importance.lambda
        options.contrastBase = importance.base
        let domain = try CalibrationData.load(calibration.domain, checkpoint: checkpoint, samples: calibration.samples,
                                              seqLen: calibration.seqLen)
        let general = try calibration.general.map {
            try CalibrationData.load($0, checkpoint: checkpoint, samples: calibration.samples, seqLen: calibration.seqLen)
        }
        for warning in domain.warnings + (general?.warnings ?? []) { log(warning, level: .warning) }
        let batch = CalibrationRunner.automaticMicroBatch(config: checkpoint.config.text, seqLen: domain.seqLen)
        let runner = CalibrationRunner(checkpoint: checkpoint, microBatch: batch)
        let layers = runner.layers
        let began = emitter.elapsed
        runner.progress = { [self] pass, block in
            progress(.importance, done: block + 1, total: layers, unit: "blocks (\(pass))", since: began)
        }
        var scorer = ImportanceScorer(runner: runner, options: options)
        let emitter = self.emitter
        var streamed = false
        scorer.onBlockInfluence = { block, all, text, image in
            streamed = true
            let name = BlockCriterion.blockInfluence.rawValue
            emitter.emit(.importance(layer: block, criterion: name, score: all, tokenClass: .all))
            if let text { emitter.emit(.importance(layer: block, criterion: name, score: text, tokenClass: .text)) }
            if let image { emitter.emit(.importance(layer: block, criterion: name, score: image, tokenClass: .image)) }
        }
        scorer.onScores = { name, scores in
            if name == BlockCriterion.blockInfluence.rawValue && streamed { return }
            for (layer, score) in scores.enumerated() where score.isFinite {
                emitter.emit(.importance(layer: layer, criterion: name, score: score, tokenClass: .all))
            }
        }
        let result = try scorer.score(domain: domain, general: general)
        try AtomicFile.write(try result.json() + "\n", to: work + "/importance.json")
        if let tau = result.kendallTau {
            emitter.emit(.metric(name: "kendall_tau", value: tau, split: "domain_contrast/block_influence", step: nil))
        }
        let order = JSONValue.object(result.order.mapValues { .array($0.map(JSONValue.int)) })
        return StageOutcome(artifacts: ["importance": "importance.json"],
                            results: ["order": order, "seconds": .double(result.seconds)])
    }
}
