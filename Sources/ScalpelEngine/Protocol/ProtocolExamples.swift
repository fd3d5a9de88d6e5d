import ScalpelFormats

/// A short, conforming event stream with every event type, used as the examples of docs/protocol.md
/// (a test checks the document shows exactly these lines) and by `scalpel protocol examples`.
public enum ProtocolExamples {
    public static let run = "derm-tiny-20261129-104500"

    public static var events: [EngineEvent] {
        let items: [(Double, EventPayload)] = [
            (0, .hello(engine: "scalpel", version: "0.1.0", backend: "swift", capabilities: ["prune", "sft", "quantize", "eval", "export", "resume", "cancel", "importance"])),
            (0.012, .memory(rss: 48_234_496, peak: 48_234_496, estimate: ["embeddings": 1_048_576, "decoder_linears": 3_145_728, "norms_and_biases": 8_192, "lm_head": 1_048_576, "vision_tower": 2_097_152, "projector": 131_072, "weights": 7_479_296, "kv_cache": 4_194_304, "activations": 1_310_720, "total": 12_984_320])),
            (0.013, .stage(name: "importance", index: 0, count: 7, state: .started)),
            (0.84, .importance(layer: 3, criterion: "block_influence", score: 0.0412, tokenClass: .image)),
            (0.85, .progress(stage: "importance", done: 4, total: 8, unit: "blocks (forward)", rate: 4.7)),
            (1.92, .artifact(kind: "importance", path: "/home/me/runs/\(run)/01-importance/importance.json", bytes: 2_811)),
            (1.93, .stage(name: "importance", index: 0, count: 7, state: .completed)),
            (1.95, .stage(name: "sft", index: 2, count: 7, state: .started)),
            (4.31, .loss(step: 20, loss: 1.8734, lr: 0.0002, tokensPerSecond: 1_843.5)),
            (4.9, .metric(name: "loss", value: 1.9021, split: "val", step: 20)),
            (5.2, .log(level: .warning, message: "sft: 3 of 64 samples were cut to seq_len 256")),
            (6.05, .error(code: "sft_failed", message: "sft: the loss became NaN at step 31", hint: "lower lr")),
            (6.05, .stage(name: "sft", index: 2, count: 7, state: .failed)),
            (6.06, .done(status: .failed, summary: .object(["run": .string(run), "status": .string("failed"), "seconds": .double(6.06)]))),
        ]
        return items.map { EngineEvent(time: $0.0, run: run, payload: $0.1) }
    }

    /// The first example of each event type, in stream order.
    public static var firstOfEachType: [EngineEvent] {
        var seen: Set<String> = []
        return events.filter { seen.insert($0.type).inserted }
    }
}
