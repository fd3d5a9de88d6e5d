/// One row of `scalpel runs`: a run and where it stands.
public struct RunListing: Sendable, Equatable {
    /// A run's status as listed: the state's, except that a run still marked running whose engine process
    /// has died (its lock is free) is `interrupted`.
    public enum Status: String, Sendable, CaseIterable {
        case running, completed, failed, cancelled, interrupted, unreadable
    }

    public var id: String
    public var name: String
    public var status: Status
    /// ISO 8601 creation time.
    public var created: String
    public var stagesDone: Int
    public var attempts: Int

    public init(id: String, name: String, status: Status, created: String, stagesDone: Int, attempts: Int) {
        self.id = id
        self.name = name
        self.status = status
        self.created = created
        self.stagesDone = stagesDone
        self.attempts = attempts
    }

    init(state: RunState, folder: RunFolder) {
        var status = Status(rawValue: state.status.rawValue) ?? .unreadable
        if state.status == .running && !RunLock.isHeld(path: folder.lockPath) { status = .interrupted }
        self.init(id: state.id, name: state.name, status: status, created: state.created, stagesDone: state.stages.count,
                  attempts: state.attempts)
    }
}
