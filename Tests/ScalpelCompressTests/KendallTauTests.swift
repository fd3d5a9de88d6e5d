import Testing
@testable import ScalpelCompress

@Suite struct KendallTauTests {
    @Test func identicalAndReversedOrders() {
        #expect(KendallTau.tauB([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(KendallTau.tauB([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
    }

    @Test func handWorkedWithoutTies() throws {
        // Pairs of (1,2,3,4) vs (1,3,2,4): 6 pairs, one discordant (2,3) → (5 − 1)/6.
        let tau = try #require(KendallTau.tauB([1, 2, 3, 4], [1, 3, 2, 4]))
        #expect(abs(tau - 4.0 / 6.0) < 1e-12)
    }

    @Test func handWorkedWithTies() throws {
        // a = (1,2,2,3), b = (1,2,3,3). n₀ = 6; ties: a one pair (1,2), b one pair (2,3).
        // Pairs: (0,1) C, (0,2) C, (0,3) C, (1,2) tie a, (1,3) C, (2,3) tie b → C = 4, D = 0.
        // τ_b = 4 / √(5·5) = 0.8 (scipy.stats.kendalltau gives 0.8 too).
        let tau = try #require(KendallTau.tauB([1, 2, 2, 3], [1, 2, 3, 3]))
        #expect(abs(tau - 0.8) < 1e-12)
    }

    @Test func constantListHasNoTau() {
        #expect(KendallTau.tauB([1, 1, 1], [1, 2, 3]) == nil)
        #expect(KendallTau.tauB([1], [1]) == nil)
    }
}
