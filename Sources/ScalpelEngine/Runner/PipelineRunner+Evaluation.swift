import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels

extension PipelineRunner {
    /// Evaluates the final model (or, for the baseline, the input model) on every `eval` entry: VQA
    /// accuracy (exact match) on conversation JSON, perplexity on text or on conversations rendered in the
    /// model's chat format. `metric` events carry the set name as `split` (`baseline/<set>` for the
    /// baseline); `report.json` keeps every number.
    func runEvaluations(in work: String, baseline: Bool) throws -> StageOutcome {
        let stage: PipelineStage = baseline ? .baselineEval : .eval
        let model = baseline ? context.input : context.model
        if !baseline { ProcessMemory.resetPeak() }
        var metrics: [String: JSONValue] = [:]
        var reports: [String: JSONValue] = [:]
        for evaluation in recipe.evaluations {
            try cancellation.check()
            let split = baseline ? "baseline/\(evaluation.name)" : evaluation.name
            var values: [String: JSONValue] = [:]
            for metric in evaluation.metrics {
                let value: Double
                switch metric {
                case .accuracy:
                    let report = try accuracy(model: model, evaluation: evaluation, stage: stage)
                    value = report.accuracy
                    reports[split] = report.json()
                case .perplexity:
                    value = try perplexity(model: model, evaluation: evaluation, stage: stage)
                }
                emitter.emit(.metric(name: metric.rawValue, value: value, split: split, step: nil))
                values[metric.rawValue] = .double(value)
                context.metrics[split, default: [:]][metric.rawValue] = value
            }
            metrics[split] = .object(values)
        }
        try AtomicFile.write(JSONValue.object(["metrics": .object(metrics), "reports": .object(reports)]).prettyPrinted() + "\n",
                             to: work + "/report.json")
        var results: [String: JSONValue] = ["metrics": .object(metrics), "model": .string(model)]
        if !baseline {
            let peak = ProcessMemory.sample().peak
            context.measuredPeak = peak
            results["peak_rss"] = .int(peak)
        }
        return StageOutcome(artifacts: ["report": "report.json"], results: results)
    }

    private func accuracy(model: String, evaluation: Recipe.Evaluation, stage: PipelineStage) throws -> VQAReport {
        let dataset = try VQADataset(contentsOf: evaluation.data)
        let evaluator = try VQAEvaluator(checkpoint: try Checkpoint.open(model))
        let began = emitter.elapsed
        let token = cancellation
        var stopped = false
        let report = try evaluator.evaluate(dataset: dataset, limit: evaluation.limit) { [self] p in
            if token.isCancelled { stopped = true }
            progress(stage, done: p.done, total: p.total, unit: "questions", since: began)
        }
        if stopped { try cancellation.check() }
        return report
    }

    private func perplexity(model: String, evaluation: Recipe.Evaluation, stage: PipelineStage) throws -> Double {
        let checkpoint = try Checkpoint.open(model)
        let tokenizer = try checkpoint.tokenizer()
        var tokens: [Int] = []
        if evaluation.data.hasSuffix(".json") {
            let format = try checkpoint.chatFormat(tokenizer: tokenizer)
            var records = try CalibrationSet.readConversations(file: evaluation.data)
            if let limit = evaluation.limit { records = Array(records.prefix(limit)) }
            for record in records {
                let text = format.render(record.messages, addGenerationPrompt: false)
                    .replacingOccurrences(of: ChatFormat.imageToken, with: "")
                tokens += tokenizer.encode(text, addSpecialTokens: true)
            }
        } else {
            tokens = tokenizer.encode(try CalibrationData.text(evaluation.data), addSpecialTokens: false)
        }
        let window = min(recipe.calibration?.seqLen ?? 256, checkpoint.config.text.maxPositionEmbeddings)
        if let limit = evaluation.limit, !evaluation.data.hasSuffix(".json") { tokens = Array(tokens.prefix(limit * window)) }
        let decoder = try checkpoint.loadDecoder()
        let began = emitter.elapsed
        return try Perplexity.evaluate(decoder, tokens: tokens, context: window) { [self] done, total in
            progress(stage, done: done, total: total, unit: "windows", since: began)
        }.perplexity
    }
}
