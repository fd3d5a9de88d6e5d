import ScalpelTerm

/// Something that happened, handed to ``reduce(_:_:)``: the messages of the update loop.
public enum Action: Equatable, Sendable {
    /// A key was pressed.
    case key(Key)
    /// The terminal changed size.
    case resize(Size)
    /// The mouse was pressed or its wheel turned.
    case mouse(MouseEvent)
    /// A command was chosen (from a key binding, the palette, or the program itself).
    case run(Command)
    /// An engine child was started for `job`.
    case engineStarted(EngineJob, pid: Int32, log: String, recipe: String?)
    /// An engine child could not be started.
    case engineLaunchFailed(EngineJob, String)
    /// An engine child produced output (or ended).
    case engineOutput(EngineJob, EngineClient.Output)
    /// The run store was read.
    case runsLoaded([RunRecord])
}

/// A kind of engine work the workbench runs as a child process (at most one of each at a time).
public enum EngineJob: String, Hashable, Sendable, CaseIterable {
    /// `scalpel importance … --events -`.
    case importance
    /// `scalpel run RECIPE --events -`.
    case run
}
