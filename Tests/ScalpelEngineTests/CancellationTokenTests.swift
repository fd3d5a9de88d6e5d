import Foundation
import Testing
@testable import ScalpelEngine

@Suite("Cancellation token")
struct CancellationTokenTests {
    /// Counts calls across threads.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    @Test("a handler runs once on cancel, a second cancel runs nothing, a late handler runs at once")
    func handlers() throws {
        let token = CancellationToken()
        let early = Counter(), late = Counter()
        token.onCancel { early.add() }
        #expect(early.count == 0 && !token.isCancelled)
        token.cancel(reason: "stop")
        token.cancel(reason: "again")
        #expect(early.count == 1)
        token.onCancel { late.add() }
        #expect(late.count == 1)
        #expect(throws: RunCancelled.self) { try token.check() }
    }
}
