import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The Quantize screen: the form, and the estimate panel recomputed on every key.
@Suite struct QuantizeScreenTests {
    func quantizeState(width: Int = 100, height: Int = 30) -> AppState {
        var state = makeState(width: width, height: height)
        state.context = WorkbenchContext(modelPath: "/m", estimator: tinyEstimator)
        state.quant.groupSize = 32
        state.screen = .quantize
        return state
    }

    @Test func defaultPlanAt100x30() throws {
        try expectScreen(quantizeState(), [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "╭ Plan ────────────────────────────────╮╭ Deploy memory ───────────────────────────────────────────╮",
        "│ Method             AWQ               ││ part                             params  bits       size │",
        "│ Bits               4-bit             ││ embeddings                         6.1K 16.00   12.29 KB │",
        "│ Group size         32                ││ layer 0                           43.1K  5.00   26.96 KB │",
        "│ 16-bit embeddings  [x]               ││ layer 1                           43.1K  5.00   26.96 KB │",
        "│ 16-bit lm head     [x]               ││ final norm                           64 16.00      128 B │",
        "│ 16-bit vision      [x]               ││ lm head                            6.1K 16.00   12.29 KB │",
        "│ 16-bit projector   [x]               ││                                                          │",
        "│ Context length     2048 tokens       ││                                                          │",
        "│ Memory budget      4.00 GB           ││                                                          │",
        "│                                      ││                                                          │",
        "│ Blocks dropped: 0                    ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││                                                          │",
        "│                                      ││ weights (98.6K params)                          78.62 KB │",
        "│                                      ││ KV cache (2048 tokens)                         524.29 KB │",
        "│                                      ││ activations                                      1.00 KB │",
        "│                                      ││ total                                          603.91 KB │",
        "│                                      ││                                                          │",
        "│                                      ││             603.91 KB of 4.00 GB budget (0%)             │",
        "│                                      ││                                                          │",
        "╰──────────────────────────────────────╯╰──────────────────────────────────────────────────────────╯",
        "j/↓ move  l/→ change  Enter edit  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
    }

    @Test func atTheMinimumSize() throws {
        try expectScreen(quantizeState(width: 60, height: 16), [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare",
        "╭ Plan ──────────────────────╮╭ Deploy memory ─────────────╮",
        "│ Method      AWQ            ││ part                  size │",
        "│ Bits        4-bit          ││ embeddings        12.29 KB │",
        "│ Group       32             ││ layer 0           26.96 KB │",
        "│ 16b embed   [x]            ││ layer 1           26.96 KB │",
        "│ 16b head    [x]            ││ final norm           128 B │",
        "│ 16b vision  [x]            ││ weights (98.6K params) 78. │",
        "│ 16b proj    [x]            ││ KV cache (2048 tokens) 524 │",
        "│ Context     2048 tokens    ││ activations        1.00 KB │",
        "│ Budget      4.00 GB        ││ total            603.91 KB │",
        "│                            ││                            │",
        "│ Blocks dropped: 0          ││ 603.91 KB of 4.00 GB budg… │",
        "│                            ││                            │",
        "╰────────────────────────────╯╰────────────────────────────╯",
        "j/↓ move  l/→ change  Enter edit  Tab next  ? help  …",
        ])
    }

    @Test func everyKeyChangesTheEstimate() throws {
        var state = quantizeState()
        var totals = [try #require(try state.estimate?.get()).totalBytes]
        // Bits 4 → 8, then group 32 → 64, then embeddings quantized, then context 2048 → 4096.
        for keys: [Key] in [[.character("j"), .character("l")], [.character("j"), .character("l")],
                            [.character("j"), .character(" ")], [.character("G"), .character("k"), .character("l")]] {
            state = press(keys, on: state).0
            totals.append(try #require(try state.estimate?.get()).totalBytes)
        }
        #expect(state.quant.bits == 8 && state.quant.groupSize == 64 && !state.quant.keep16.contains("embeddings") && state.quant.context == 4096)
        for i in 1..<totals.count { #expect(totals[i] != totals[i - 1], "step \(i) left the estimate at \(totals[i])") }
        let text = try screen(state).joined(separator: "\n")
        #expect(text.contains(Quantity.bytes(totals.last!)))
    }

    @Test func theBudgetIsTypedInGBAndTheBarTurnsRedOverIt() throws {
        var state = quantizeState()
        state = press([.character("G"), .enter, .ctrl("u")], on: state).0
        state = press([.enter], on: type("0.0001", on: state)).0
        #expect(state.quant.budgetBytes == 100_000)
        let backend = try draw(state)
        let text = backend.lines.joined(separator: "\n")
        #expect(text.contains("of 100.00 KB budget"))
        #expect(text.contains("over by"))
        let gaugeRow = try #require(backend.lines.firstIndex { $0.contains("of 100.00 KB budget") })
        #expect(backend.buffer[45, gaugeRow - 1].style.fg == state.theme.bad, "over budget, the bar is drawn in the bad colour")
        let bad = press([.enter], on: type("lots", on: press([.enter, .ctrl("u")], on: state).0)).0
        #expect(bad.quant.budgetBytes == 100_000 && bad.notice?.kind == .error)
    }

    @Test func anImpossiblePlanSaysWhy() throws {
        var state = quantizeState()
        state.quant.groupSize = 128
        let text = try screen(state).joined(separator: "\n")
        #expect(text.contains("This plan cannot be estimated: group size 128 does not"))
    }
}
