/// Work the reducer asks the run loop to do, outside the pure state update.
public enum Effect: Hashable, Sendable {
    /// Restore the terminal and leave.
    case quit
    /// Launch `scalpel importance` on this calibration data.
    case startImportance(calibration: String)
    /// Write this recipe and launch `scalpel run` on it.
    case startRun(RecipeDraft)
    /// Cancel the engine child running `job`.
    case cancel(EngineJob)
    /// Read the run store and report with ``Action/runsLoaded(_:)``.
    case loadRuns
    /// Remember the theme with this name for the next start.
    case rememberTheme(String)
}
