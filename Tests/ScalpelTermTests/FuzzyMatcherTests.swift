import Testing
@testable import ScalpelTerm

@Suite struct FuzzyMatcherTests {
    @Test func subsequenceOrNothing() {
        #expect(FuzzyMatcher.match("qnt", in: "Quantize model") != nil)
        #expect(FuzzyMatcher.match("tnq", in: "Quantize model") == nil)
        #expect(FuzzyMatcher.match("quantize model please", in: "Quantize model") == nil)
        #expect(FuzzyMatcher.match("", in: "anything") == FuzzyMatch(score: 0, positions: []))
        #expect(FuzzyMatcher.match("open mod", in: "Open model")?.positions == [0, 1, 2, 3, 5, 6, 7])
    }

    @Test func prefersWordStarts() {
        // "sm" at the starts of "Show" and "Memory" beats "sm" inside "baSeMent"-like middles.
        let words = FuzzyMatcher.match("sm", in: "Show memory")!
        let inner = FuzzyMatcher.match("sm", in: "presumably")!
        #expect(words.score > inner.score)
        #expect(words.positions == [0, 5])
        // camelCase and separators count as word starts.
        #expect(FuzzyMatcher.match("lt", in: "layerToggle")!.positions == [0, 5])
        #expect(FuzzyMatcher.match("rq", in: "run/quantize")!.positions == [0, 4])
    }

    @Test func prefersContiguousRuns() {
        let run = FuzzyMatcher.match("prune", in: "Prune layers")!
        let scattered = FuzzyMatcher.match("prune", in: "Preview run endpoint")!
        #expect(run.score > scattered.score)
        #expect(run.positions == [0, 1, 2, 3, 4])
        // Of two alignments, the contiguous one is chosen.
        #expect(FuzzyMatcher.match("ab", in: "a_xab")!.positions == [3, 4])
    }

    @Test func ranking() {
        let titles = ["Quit", "Quantize: pick bits", "Show quantization preview", "Toggle layer", "Auto-select layers by criterion",
                      "Open model", "Sort by column"]
        let ranked = FuzzyMatcher.rank("qu", titles) { $0 }.map(\.item)
        #expect(ranked == ["Quit", "Quantize: pick bits", "Show quantization preview"])
        #expect(FuzzyMatcher.rank("lay", titles) { $0 }.map(\.item) == ["Toggle layer", "Auto-select layers by criterion"])
        #expect(FuzzyMatcher.rank("sbc", titles) { $0 }.first?.item == "Sort by column")
        #expect(FuzzyMatcher.rank("", titles) { $0 }.map(\.item) == titles)
        #expect(FuzzyMatcher.rank("zzz", titles) { $0 }.isEmpty)
    }

    @Test func caseInsensitiveWithExactCaseBonus() {
        let exact = FuzzyMatcher.match("Run", in: "Run")!
        let other = FuzzyMatcher.match("run", in: "Run")!
        #expect(exact.score > other.score)
        #expect(other.positions == [0, 1, 2])
    }
}
