import Testing
@testable import ScalpelEngine

@Suite struct RecipeTorchKeysTests {
    @Test func torchAndRemoteAreKeptAndSurviveTheRunCopy() throws {
        let fx = try RecipeFixture()
        let elsewhere = try RecipeFixture()
        defer { fx.remove(); elsewhere.remove() }
        let text = """
            model: \(RecipeFixture.llama)
            backend: torch
            remote: gpu@box
            torch:
              processes: 2
              launcher: torchrun
            """
        let r = try Recipe.load(path: try fx.write(text + "\n"))
        #expect(r.backend == .torch)
        #expect(r.remote == "gpu@box")
        #expect(r.torchSettings?.text.contains("launcher: torchrun") == true)
        let again = try Recipe.load(path: try elsewhere.write(r.yamlText(), as: "run-copy.yaml"))
        #expect(again == r)
    }

    @Test func misspelledTorchKeysAndBadHostsAreReported() throws {
        let fx = try RecipeFixture()
        defer { fx.remove() }
        let path = try fx.write("model: \(RecipeFixture.llama)\nremote: \"gpu box\"\ntorch: {procesess: 2}\n")
        let problems = Recipe.check(path: path).1.map(\.description)
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains(":2:9: remote 'gpu box' is not a host") })
        #expect(problems.contains { $0.contains("procesess") && $0.contains("processes") })
    }
}
