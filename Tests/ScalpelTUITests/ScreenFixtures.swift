import Foundation
import ScalpelEngine
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// A stand-in for the engine's deploy-memory estimate over `tinyLlama`'s parts: simple enough to check
/// by hand (parameters × bits, plus group overhead of 32 bits per group; KV cache 2 × layers × 2 KV heads
/// × 16 × context × 2 bytes; 1000 bytes of activations).
let tinyEstimator = MemoryEstimator(id: "tiny") { plan in
    if let g = plan.groupSize, 64 % g != 0 { return .failure(.init("group size \(g) does not divide the hidden size 64")) }
    func bytes(_ params: Int, keep: Bool) -> (Double, Int) {
        guard let bits = plan.bits, !keep else { return (16, params * 2) }
        let group = plan.groupSize ?? 64
        let bpw = Double(bits) + 32 / Double(group)
        return (bpw, Int((Double(params) * bpw / 8).rounded(.up)))
    }
    var parts: [MemoryBreakdown.Part] = []
    for part in tinyLlama.parts {
        if part.name.hasPrefix("layer "), let i = Int(part.name.dropFirst(6)), plan.dropped.contains(i) { continue }
        let keep = part.name == "embeddings" ? plan.keep16.contains("embeddings")
            : part.name == "lm head" ? plan.keep16.contains("head") : part.name == "final norm"
        let (bits, size) = bytes(part.parameters, keep: keep)
        parts.append(.init(name: part.name, parameters: part.parameters, bits: bits, bytes: size))
    }
    let layers = 2 - plan.dropped.count
    return .success(MemoryBreakdown(parts: parts, kvCacheBytes: 2 * layers * 2 * 16 * plan.context * 2, activationsBytes: 1000))
}

/// A SmolLM2-shaped workbench with every block scored by two criteria (as the fake engine sends them).
func scoredSmolState(width: Int = 100, height: Int = 30) -> AppState {
    var state = AppState(model: .loaded(smolLM2), size: Size(width: width, height: height),
                         context: WorkbenchContext(modelPath: "/m/smol", calibrationPath: "/m/cal.json", runsDirectory: "runs",
                                                   estimator: smolEstimator))
    for c in ["block_influence", "angular"] {
        for l in 0..<30 {
            let n = c == "angular" ? (l * 53 + 7) % 89 + 10 : (l * 37 + 11) % 89 + 10
            state.layers.record(layer: l, criterion: c, score: Double("0.\(n)34567890123")!, tokenClass: .all)
        }
    }
    state.layers.status = .finished
    state.layers.calibration = "/m/cal.json"
    state.screen = .layers
    return state
}

/// SmolLM2's estimate from the same arithmetic as ``tinyEstimator`` (blocks of 3,540,096 parameters,
/// 3 KV heads of 64).
let smolEstimator = MemoryEstimator(id: "smol") { plan in
    let bpw = plan.bits.map { Double($0) + 32 / Double(plan.groupSize ?? 576) } ?? 16
    let kept = 30 - plan.dropped.count
    let blocks = Int((Double(kept * 3_540_096) * bpw / 8).rounded(.up))
    let embeddings = plan.keep16.contains("embeddings") || plan.bits == nil ? 28_311_552 * 2 : Int((28_311_552 * bpw / 8).rounded(.up))
    return .success(MemoryBreakdown(
        parts: [.init(name: "embeddings", parameters: 28_311_552, bits: plan.keep16.contains("embeddings") ? 16 : bpw, bytes: embeddings),
                .init(name: "decoder blocks", parameters: kept * 3_540_096, bits: bpw, bytes: blocks),
                .init(name: "final norm", parameters: 576, bits: 16, bytes: 1152)],
        kvCacheBytes: 2 * kept * 3 * 64 * plan.context * 2, activationsBytes: 4_000_000))
}

/// Compares the screen with `expected`; on a difference prints the actual screen as a Swift literal.
func expectScreen(_ state: AppState, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let actual = try screen(state)
    if actual != expected {
        let literal = actual.map { "        \"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"," }
        let text = literal.joined(separator: "\n")
        if let dump = ProcessInfo.processInfo.environment["SCALPEL_GOLDEN_DUMP"] {
            try? text.write(toFile: "\(dump)/\(sourceLocation.fileName)-\(sourceLocation.line).txt", atomically: true, encoding: .utf8)
        }
        Issue.record("screen differs; actual:\n\(text)", sourceLocation: sourceLocation)
    }
}
