import Foundation
import Testing
@testable import ScalpelFormats

@Suite struct SafetensorsFolderTests {
    /// Writes two shards and an index into a new folder.
    static func makeSharded(index: String? = nil) throws -> String {
        let dir = try FormatsTesting.temporaryFolder()
        var a = SafetensorsWriter(metadata: ["format": "pt"])
        try a.add("model.embed_tokens.weight", floats: [1, 2, 3, 4], shape: [2, 2])
        try a.add("model.layers.0.mlp.up_proj.weight", floats: [5, 6], shape: [1, 2], as: .bf16)
        try a.add("unlisted", floats: [0], shape: [1])
        try a.write(to: dir + "/model-00001-of-00002.safetensors")
        var b = SafetensorsWriter()
        try b.add("lm_head.weight", floats: [7, 8, 9, 10], shape: [2, 2], as: .f16)
        try b.write(to: dir + "/model-00002-of-00002.safetensors")
        let json = index ?? """
        {
          "metadata": {"total_size": 28, "format": "pt"},
          "weight_map": {
            "lm_head.weight": "model-00002-of-00002.safetensors",
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "model.layers.0.mlp.up_proj.weight": "model-00001-of-00002.safetensors"
          }
        }
        """
        try AtomicFile.write(json, to: dir + "/model.safetensors.index.json")
        return dir
    }

    @Test func readsAcrossShards() throws {
        let dir = try Self.makeSharded()
        defer { FormatsTesting.remove(dir) }
        for path in [dir, dir + "/", dir + "/model.safetensors.index.json"] {
            let folder = try SafetensorsFolder(path: path)
            #expect(folder.path == dir)
            #expect(folder.shards.count == 2)
            #expect(folder.metadata == ["total_size": "28", "format": "pt"])
            #expect(Set(folder.tensorNames) == ["lm_head.weight", "model.embed_tokens.weight", "model.layers.0.mlp.up_proj.weight"])
            #expect(try folder.floats("model.embed_tokens.weight") == [1, 2, 3, 4])
            #expect(try folder.floats("lm_head.weight") == [7, 8, 9, 10])
            #expect(try folder.floats("model.layers.0.mlp.up_proj.weight") == [5, 6])
            #expect(folder.info("lm_head.weight") == WeightInfo(dtype: "F16", shape: [2, 2]))
            #expect(folder.info("unlisted") == nil)
            #expect(try folder.rawBytes("lm_head.weight").count == 8)
            FormatsTesting.expectError("no tensor named 'unlisted'") { _ = try folder.floats("unlisted") }
        }
        let source = try WeightSources.open(dir)
        #expect(source is SafetensorsFolder)
    }

    @Test func singleFileFolder() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        var w = SafetensorsWriter()
        try w.add("x", floats: [3], shape: [1])
        try w.write(to: dir + "/model.safetensors")
        let folder = try SafetensorsFolder(path: dir)
        #expect(folder.indexPath == nil)
        #expect(try folder.floats("x") == [3])
    }

    @Test func emptyFolder() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        FormatsTesting.expectError(dir, "neither model.safetensors.index.json nor model.safetensors") {
            _ = try SafetensorsFolder(path: dir)
        }
    }

    @Test func missingShardNamesBoth() throws {
        let dir = try Self.makeSharded()
        defer { FormatsTesting.remove(dir) }
        try FileManager.default.removeItem(atPath: dir + "/model-00002-of-00002.safetensors")
        FormatsTesting.expectError("model.safetensors.index.json", "shard 'model-00002-of-00002.safetensors'",
                                   "lm_head.weight", "is missing") {
            _ = try SafetensorsFolder(path: dir)
        }
    }

    @Test func tensorAbsentFromItsShard() throws {
        let dir = try Self.makeSharded(index: """
        {"weight_map": {"lm_head.weight": "model-00001-of-00002.safetensors"}}
        """)
        defer { FormatsTesting.remove(dir) }
        FormatsTesting.expectError("model.safetensors.index.json", "tensor 'lm_head.weight'",
                                   "'model-00001-of-00002.safetensors'", "does not hold it") {
            _ = try SafetensorsFolder(path: dir)
        }
    }

    @Test func badIndexes() throws {
        let cases: [(String, [String])] = [
            (#"{"weight_map": {"a": "../outside.safetensors"}}"#, ["'../outside.safetensors'", "not a file name inside the folder"]),
            (#"{"weight_map": {"a": ".."}}"#, ["not a file name inside the folder"]),
            (#"{"weight_map": {"a": 3}}"#, ["weight_map entry 'a' is an integer"]),
            (#"{"weight_map": []}"#, ["'weight_map' is an array"]),
            (#"{"metadata": {}}"#, ["has no 'weight_map'"]),
            (#"[]"#, ["expected a JSON object"]),
            (#"{"weight_map": "#, ["is not valid JSON"]),
            (#"{"weight_map": {"a": "x.safetensors", "a": "y.safetensors"}}"#,
             ["is not valid JSON at line 1, column 39", #"key "a" appears twice"#]),
            ("{\n  \"weight_map\": {\"a\": 1e}\n}", ["is not valid JSON at line 2, column 25", "expected digits in the exponent"]),
        ]
        for (json, parts) in cases {
            let dir = try Self.makeSharded(index: json)
            defer { FormatsTesting.remove(dir) }
            do {
                _ = try SafetensorsFolder(path: dir)
                Issue.record("\(json) was accepted")
            } catch let e as FormatError {
                for p in parts { #expect(e.description.contains(p), "\(e.description) lacks \(p)") }
            }
        }
    }

    @Test func brokenShardIsReportedByName() throws {
        let dir = try Self.makeSharded()
        defer { FormatsTesting.remove(dir) }
        try AtomicFile.write([1, 2, 3], to: dir + "/model-00002-of-00002.safetensors")
        FormatsTesting.expectError("model-00002-of-00002.safetensors", "too short") { _ = try SafetensorsFolder(path: dir) }
    }
}
