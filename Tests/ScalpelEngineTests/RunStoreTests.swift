import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelEngine

@Suite("Run store")
struct RunStoreTests {
    static func temporary() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-store-\(UUID().uuidString)").path
    }

    @Test("run ids are <name>-<yyyymmdd-hhmmss> in UTC and unique within a second")
    func ids() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC
        #expect(RunStore.runID(name: "derm", date: date) == "derm-20261118-110640")
        let store = RunStore(root: root)
        let a = try store.create(name: "derm", recipeText: "name: derm\n", date: date).0
        let b = try store.create(name: "derm", recipeText: "name: derm\n", date: date).0
        #expect(a.id == "derm-20261118-110640" && b.id == "derm-20261118-110640-2")
        #expect(try String(contentsOfFile: a.recipePath, encoding: .utf8) == "name: derm\n")
        #expect(try store.open(a.id).path == a.path)
        #expect(throws: StageError.self) { _ = try store.open("nothing-here") }
    }

    @Test("the runs folder: --runs-dir, then SCALPEL_RUNS, then ./runs")
    func resolution() {
        #expect(RunStore.resolve(explicit: "/x/y", environment: ["SCALPEL_RUNS": "/a"]).root == "/x/y")
        #expect(RunStore.resolve(explicit: nil, environment: ["SCALPEL_RUNS": "/a/b"]).root == "/a/b")
        #expect(RunStore.resolve(explicit: nil, environment: [:]).root == FileManager.default.currentDirectoryPath + "/runs")
    }

    @Test("listing: a running state whose lock nobody holds is interrupted; a held lock is running")
    func interrupted() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = RunStore(root: root)
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        let (folder, state) = try store.create(name: "a", recipeText: "", date: date)
        #expect(try store.list().map(\.status) == [.interrupted])
        var lock: RunLock? = try RunLock(path: folder.lockPath)
        #expect(try store.list().map(\.status) == [.running])
        #expect(throws: StageError.self) { _ = try RunLock(path: folder.lockPath) }
        lock = nil
        _ = lock
        #expect(try store.list().map(\.status) == [.interrupted])
        var done = state
        done.status = .completed
        try folder.writeState(done)
        #expect(try store.list().map(\.status) == [.completed])
        #expect(try folder.readState() == done)
    }

    @Test("a partial last line in the event log (a killed write) is cut before appending, and the clock continues from the last event")
    func repairLog() throws {
        let root = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (folder, _) = try RunStore(root: root).create(name: "a", recipeText: "")
        let line = EngineEvent(time: 12.5, run: folder.id, payload: .log(level: .info, message: "x")).jsonLine()
        try Data((line + "\n" + "{\"v\":1,\"t\":13,").utf8).write(to: URL(fileURLWithPath: folder.eventsPath))
        #expect(try folder.repairEventLog() == 12.5)
        #expect(try String(contentsOfFile: folder.eventsPath, encoding: .utf8) == line + "\n")
    }
}
