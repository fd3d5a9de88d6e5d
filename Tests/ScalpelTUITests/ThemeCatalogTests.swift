import Foundation
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// Finding and reading the theme files.
@Suite struct ThemeCatalogTests {
    /// The repository's `themes` folder.
    static let repoThemes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes").path

    @Test func repositoryThemesLoadWithDefaultFirst() {
        let catalog = ThemeCatalog.load(directory: Self.repoThemes)
        #expect(catalog.problems.isEmpty)
        #expect(catalog.themes.first?.name == "default")
        #expect(catalog.themes.count >= 3)
        #expect(catalog.themes.contains { $0.name == "Solarized dark" })
        #expect(catalog.themes.contains { $0.name == "High contrast" })
    }

    @Test func brokenFilesAreReportedAndSkipped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-themes-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name = \"Mine\"\naccent = magenta\n".write(to: dir.appendingPathComponent("mine.theme"), atomically: true, encoding: .utf8)
        try "name = \"Bad\"\naccent = purpel\n".write(to: dir.appendingPathComponent("bad.theme"), atomically: true, encoding: .utf8)
        try "not a theme".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let catalog = ThemeCatalog.load(directory: dir.path)
        #expect(catalog.themes.map(\.name) == ["default", "Mine"])
        #expect(catalog.themes[1].accent == .magenta)
        #expect(catalog.problems.count == 1)
        #expect(catalog.problems.first?.contains("bad.theme: line 2: unknown colour \"purpel\"") == true)
    }

    @Test func locateTriesTheEnvironmentTheWorkingFolderThenAboveTheExecutable() {
        let root = URL(fileURLWithPath: Self.repoThemes).deletingLastPathComponent().path
        #expect(ThemeCatalog.locate(environment: ["SCALPEL_THEMES": "/somewhere/themes"], currentDirectory: "/",
                                    executablePath: nil) == "/somewhere/themes")
        #expect(ThemeCatalog.locate(environment: [:], currentDirectory: root, executablePath: nil) == Self.repoThemes)
        #expect(ThemeCatalog.locate(environment: [:], currentDirectory: "/",
                                    executablePath: root + "/.build/debug/scalpel") == Self.repoThemes)
        #expect(ThemeCatalog.locate(environment: [:], currentDirectory: "/", executablePath: nil) == nil)
    }

    @Test func missingEnvironmentFolderFallsBackToTheBuiltInTheme() {
        let catalog = ThemeCatalog.discover(environment: ["SCALPEL_THEMES": "/no/such/folder"])
        #expect(catalog.themes == [.default])
        #expect(catalog.problems == ["SCALPEL_THEMES=/no/such/folder is not a folder"])
    }
}
