import Foundation
@testable import ScalpelEngine

/// A temporary folder holding a recipe file and the small data files recipes name, next to the
/// repository's tiny model fixtures.
struct RecipeFixture {
    /// Tests/ScalpelModelsTests/Fixtures/models.
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScalpelModelsTests/Fixtures/models").standardizedFileURL.path
    /// 2 blocks, hidden 64, 4 heads × 16, intermediate 160.
    static let llama = models + "/llama-fp32"
    static let llava = models + "/llava-classic"

    let folder: String

    /// A fresh folder with `data/domain.json`, `data/general.txt`, `data/train.json`, `data/val.json`
    /// and `data/test.json`.
    init(_ tag: String = "recipe") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-\(tag)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        for name in ["domain.json", "train.json", "val.json", "test.json"] {
            try Data("[]\n".utf8).write(to: URL(fileURLWithPath: folder + "/data/" + name))
        }
        try Data("general text\n".utf8).write(to: URL(fileURLWithPath: folder + "/data/general.txt"))
    }

    /// Writes `text` as `name` in the folder and returns its path.
    func write(_ text: String, as name: String = "recipe.yaml") throws -> String {
        let path = folder + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The diagnostics of `text` as printed (`file:line:col: message (hint)`).
    func diagnostics(_ text: String, checkModel: Bool = true) throws -> [String] {
        let path = try write(text)
        return Recipe.check(path: path, checkModel: checkModel).diagnostics.map(\.description)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
