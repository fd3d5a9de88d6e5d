import Foundation
import ScalpelTerm

/// The themes the workbench cycles through: every `*.theme` file of a folder, parsed.
public struct ThemeCatalog: Hashable, Sendable {
    /// The themes, the built-in default first when no file provides it; never empty.
    public var themes: [Theme]
    /// Files that could not be read, each as `path: line N: message`.
    public var problems: [String]
    /// The folder the themes came from, `nil` when only the built-in theme is available.
    public var directory: String?

    /// A catalog of the given themes.
    public init(themes: [Theme], problems: [String] = [], directory: String? = nil) {
        self.themes = themes.isEmpty ? [.default] : themes
        self.problems = problems
        self.directory = directory
    }

    /// A theme name as `--theme` matches it: lowercased, spaces as hyphens (`High contrast` → `high-contrast`).
    public static func key(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: " ", with: "-")
    }

    /// The catalog for `directory`: its `*.theme` files in name order, `default.theme` first.
    public static func load(directory: String) -> ThemeCatalog {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".theme") }
        let ordered = names.sorted { a, b in
            if (a == "default.theme") != (b == "default.theme") { return a == "default.theme" }
            return a < b
        }
        var themes: [Theme] = []
        var problems: [String] = []
        for name in ordered {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                problems.append("\(path): cannot be read as UTF-8 text")
                continue
            }
            do {
                themes.append(try Theme(parsing: text))
            } catch {
                problems.append("\(path): \(error)")
            }
        }
        if !themes.contains(where: { $0.name == Theme.default.name }) { themes.insert(.default, at: 0) }
        return ThemeCatalog(themes: themes, problems: problems, directory: directory)
    }

    /// The themes folder: `$SCALPEL_THEMES`, else `./themes`, else a `themes` folder beside the
    /// executable or in one of the folders above it (the repository root for `.build/debug/scalpel`).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: String = FileManager.default.currentDirectoryPath,
                              executablePath: String? = Bundle.main.executablePath) -> String? {
        if let explicit = environment["SCALPEL_THEMES"], !explicit.isEmpty { return explicit }
        var candidates = [(currentDirectory as NSString).appendingPathComponent("themes")]
        if let exe = executablePath {
            var dir = ((exe as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
            while dir != "/" && !dir.isEmpty {
                candidates.append((dir as NSString).appendingPathComponent("themes"))
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        var isDirectory: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
    }

    /// The catalog the workbench starts with: ``locate(environment:currentDirectory:executablePath:)``, then
    /// ``load(directory:)``; the built-in theme alone when no folder is found. A `SCALPEL_THEMES` folder that
    /// does not exist is reported as a problem.
    public static func discover(environment: [String: String] = ProcessInfo.processInfo.environment) -> ThemeCatalog {
        guard let directory = locate(environment: environment) else { return ThemeCatalog(themes: [.default]) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ThemeCatalog(themes: [.default], problems: ["SCALPEL_THEMES=\(directory) is not a folder"])
        }
        return load(directory: directory)
    }
}
