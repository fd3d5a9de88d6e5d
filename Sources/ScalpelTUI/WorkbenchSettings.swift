import Foundation

/// What the workbench remembers between starts (the theme), in `$XDG_CONFIG_HOME/scalpel/workbench.conf`
/// (by default `~/.config/scalpel/workbench.conf`) as `key = "value"` lines.
public struct WorkbenchSettings: Hashable, Sendable {
    /// The theme's name.
    public var theme: String?

    /// Creates settings.
    public init(theme: String? = nil) {
        self.theme = theme
    }

    /// The settings file for `environment`.
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
            base = (home as NSString).appendingPathComponent(".config")
        }
        return ((base as NSString).appendingPathComponent("scalpel") as NSString).appendingPathComponent("workbench.conf")
    }

    /// The saved settings; empty when there are none or the file cannot be read.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> WorkbenchSettings {
        guard let text = try? String(contentsOfFile: path(environment: environment), encoding: .utf8) else { return WorkbenchSettings() }
        var settings = WorkbenchSettings()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0] == "theme" else { continue }
            var value = parts[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            if !value.isEmpty { settings.theme = value }
        }
        return settings
    }

    /// Writes the settings (atomically); failures are ignored, since remembering is a convenience.
    public func save(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let file = Self.path(environment: environment)
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var text = "# Scalpel workbench settings, written by the workbench.\n"
        if let theme { text += "theme = \"\(theme.replacingOccurrences(of: "\"", with: ""))\"\n" }
        try? text.write(toFile: file, atomically: true, encoding: .utf8)
    }
}
