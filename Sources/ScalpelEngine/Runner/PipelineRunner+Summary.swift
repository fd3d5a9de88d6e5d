import Foundation
import ScalpelFormats
import ScalpelModels

extension PipelineRunner {
    /// `summary.json` (also the `done` event's summary): what the run produced, as `scalpel compare` reads it.
    ///
    /// Keys: `run`, `name`, `status`, `model` (input), `final_model`, `blocks` {`total`, `kept`, `dropped`},
    /// `params` (tensor elements of the final model), `memory` {`estimate` (bytes by part, as in `memory`
    /// events), `measured_peak_rss` (bytes while the final model was evaluated, or null)}, `files` (bytes per
    /// export format), `metrics` {split: {name: value}}, `stages` {name: {`state`, `seconds`}},
    /// `final_loss`, `seconds`.
    func summaryJSON(status: RunStatus) -> JSONValue {
        var stages: [String: JSONValue] = [:]
        for stage in PipelineStage.allCases {
            if let done = state.stage(stage.rawValue) {
                stages[stage.rawValue] = .object(["state": .string("completed"), "seconds": .double(done.seconds)])
            } else {
                stages[stage.rawValue] = .object(["state": .string(stage.applies(to: recipe) ? "not_run" : "skipped"), "seconds": .null])
            }
        }
        let total = context.originalLayers
        let metrics = JSONValue.object(context.metrics.mapValues { .object($0.mapValues(JSONValue.double)) })
        return .object([
            "run": .string(state.id), "name": .string(state.name), "status": .string(status.rawValue),
            "model": .string(context.input), "final_model": .string(context.model),
            "blocks": .object(["total": .int(total), "kept": .int(total - context.dropped.count),
                               "dropped": .array(context.dropped.map(JSONValue.int))]),
            "params": Self.parameterCount(context.model).map(JSONValue.int) ?? .null,
            "memory": .object(["estimate": .object(memoryEstimate().mapValues(JSONValue.int)),
                               "measured_peak_rss": context.measuredPeak.map(JSONValue.int) ?? .null]),
            "files": .object(context.exported.mapValues(JSONValue.int)),
            "metrics": metrics,
            "stages": .object(stages),
            "final_loss": context.finalLoss.map(JSONValue.double) ?? .null,
            "seconds": .double(emitter.elapsed),
        ])
    }

    /// `metrics.json`: {split: {name: value}} of every evaluation, plus the final training loss.
    func metricsJSON() -> JSONValue {
        var object = context.metrics.mapValues { JSONValue.object($0.mapValues(JSONValue.double)) }
        if let loss = context.finalLoss { object["train"] = .object(["final_loss": .double(loss)]) }
        return .object(object)
    }

    /// Elements of every tensor in the checkpoint at `path`.
    static func parameterCount(_ path: String) -> Int? {
        guard let checkpoint = try? Checkpoint.open(path) else { return nil }
        let w = checkpoint.weights
        return w.tensorNames.reduce(0) { total, name in total + (w.info(name)?.shape.reduce(1, *) ?? 0) }
    }
}
