import Foundation
import ScalpelCompress
import ScalpelFormats

extension PipelineRunner {
    /// The blocks the recipe drops: its explicit list, or the first `count` of the criterion's order.
    func blocksToDrop() throws -> [Int] {
        guard let prune = recipe.prune else { return [] }
        switch prune.selection {
        case .blocks(let blocks):
            return blocks.sorted()
        case .count(let count, let criterion):
            guard let order = context.order[criterion.rawValue] else {
                throw StageError(code: "prune_no_scores", "no \(criterion.rawValue) scores to choose \(count) blocks from",
                                 hint: "the importance stage must score \(criterion.rawValue)")
            }
            guard count >= 1, count < order.count else {
                throw StageError(code: "prune_count", "cannot drop \(count) of \(order.count) blocks")
            }
            return Array(order.prefix(count)).sorted()
        }
    }

    /// Removes the chosen blocks into `model/` (a Hugging Face folder; the input is never modified).
    func runPrune(in work: String) throws -> StageOutcome {
        let drop = try blocksToDrop()
        let began = emitter.elapsed
        progress(.prune, done: 0, total: 1, unit: "models", since: began)
        let summary = try BlockPruner.prune(input: context.model, drop: drop, output: work + "/model")
        progress(.prune, done: 1, total: 1, unit: "models", since: began)
        log("dropped blocks \(summary.dropped.map(String.init).joined(separator: ", ")): "
            + "\(summary.originalLayers) → \(summary.keptLayers) blocks, \(summary.bytesWritten) bytes")
        context.dropped = summary.dropped
        return StageOutcome(artifacts: ["model": "model"],
                            results: ["dropped": .array(summary.dropped.map(JSONValue.int)), "kept_layers": .int(summary.keptLayers)])
    }
}
