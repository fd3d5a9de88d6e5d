import Foundation

/// Where downloaded and generated models live: `$SCALPEL_CACHE/models`, by default
/// `~/.cache/scalpel/models`.
enum ModelCache {
    static var directory: URL {
        let env = ProcessInfo.processInfo.environment
        let root = env["SCALPEL_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/scalpel")
        return root.appendingPathComponent("models")
    }
}
