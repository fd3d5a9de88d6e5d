import ScalpelTerm
@testable import ScalpelTUI

/// The tiny LLaMA of the model fixtures (`llama-fp32`), as the command line summarises it.
let tinyLlama = ModelSummary(
    name: "llama-fp32", path: "Tests/ScalpelModelsTests/Fixtures/models/llama-fp32", format: "safetensors",
    fileCount: 1, fileBytes: 396_632, tensorCount: 21,
    decoder: .init(modelType: "llama", layers: 2, hiddenSize: 64, intermediateSize: 160, heads: 4, kvHeads: 2, headDim: 16,
                   vocabSize: 96, contextLength: 256, ropeTheta: 10_000, tiedEmbeddings: false),
    parts: [
        .init(name: "embeddings", parameters: 6_144, dtypes: ["F32"]),
        .init(name: "layer 0", parameters: 43_136, dtypes: ["F32"]),
        .init(name: "layer 1", parameters: 43_136, dtypes: ["F32"]),
        .init(name: "final norm", parameters: 64, dtypes: ["F32"]),
        .init(name: "lm head", parameters: 6_144, dtypes: ["F32"]),
    ])

/// A SmolLM2-135M-shaped summary: 30 layers, more rows than the parts table shows at once.
let smolLM2 = ModelSummary(
    name: "SmolLM2-135M-Instruct.Q4_1.gguf", path: "/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf", format: "GGUF",
    fileCount: 1, fileBytes: 98_360_000, tensorCount: 272,
    decoder: .init(modelType: "llama", layers: 30, hiddenSize: 576, intermediateSize: 1536, heads: 9, kvHeads: 3, headDim: 64,
                   vocabSize: 49152, contextLength: 8192, ropeTheta: 100_000, tiedEmbeddings: true),
    parts: [.init(name: "embeddings", parameters: 28_311_552, dtypes: ["Q8_0"])]
        + (0..<30).map { .init(name: "layer \($0)", parameters: 3_540_096, dtypes: ["F32", "Q4_1"]) }
        + [.init(name: "final norm", parameters: 576, dtypes: ["F32"]), .init(name: "lm head", parameters: 0, dtypes: ["tied"])])

/// A workbench state on a `width`×`height` terminal.
func makeState(_ model: ModelSummary = tinyLlama, width: Int = 100, height: Int = 30, themes: [Theme] = []) -> AppState {
    AppState(model: .loaded(model), themes: themes, size: Size(width: width, height: height))
}

/// The state after pressing `keys` in order, and every effect they asked for.
func press(_ keys: [Key], on state: AppState) -> (AppState, [Effect]) {
    var s = state
    var all: [Effect] = []
    for key in keys {
        let (next, effects) = reduce(s, .key(key))
        s = next
        all += effects
    }
    return (s, all)
}

/// The state after typing `text`, one character key per character.
func type(_ text: String, on state: AppState) -> AppState {
    press(text.map { Key.character($0) }, on: state).0
}

/// The screen for `state`, drawn through a `Terminal` on a `TestBackend` of the state's size.
func draw(_ state: AppState) throws -> TestBackend {
    var terminal = try Terminal(backend: TestBackend(width: state.size.width, height: state.size.height), theme: state.theme)
    try terminal.draw { frame in WorkbenchView.render(state, into: &frame) }
    return terminal.backend
}

/// The screen's rows for `state`, with trailing blanks removed (so expected screens read cleanly).
func screen(_ state: AppState) throws -> [String] {
    try draw(state).lines.map { line in
        var l = Substring(line)
        while l.last == " " { l = l.dropLast() }
        return String(l)
    }
}

/// The screen's rows with the border of a sub-rectangle, for finding the active tab.
func activeTabTitle(_ backend: TestBackend) -> String {
    var title = ""
    for x in 0..<backend.buffer.area.width {
        let cell = backend.buffer[x, 0]
        if cell.modifiers.contains(.reverse) { title += cell.symbol }
    }
    return title.trimmingSpaces
}

extension String {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
