import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The command palette: opening, fuzzy filtering, running, and typing keys that are shortcuts elsewhere.
@Suite struct PaletteTests {
    @Test func colonAndCtrlPOpenThePalette() throws {
        #expect(press([.character(":")], on: makeState()).0.overlay == .palette(query: "", selected: 0))
        let (state, _) = press([.ctrl("p")], on: makeState())
        #expect(state.overlay == .palette(query: "", selected: 0))
        #expect(try screen(state) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "╭ llama-fp32 ──────────────────────────────────────────────────────────────────────────────────────╮",
        "│ decoder     llama ╭ Commands ────────────────────────────────────────────────╮6                  │",
        "│ tokens      vocabu│>                                                         │                   │",
        "│ parameters  98,624├──────────────────────────────────────────────────────────┤                   │",
        "╰───────────────────│ Go to Model                                            1 │───────────────────╯",
        "╭ Parameters by part│ Go to Layers                                           2 │hts ───────────────╮",
        "│ part              │ Go to Quantize                                         3 │ bits/w      bytes │",
        "│ embeddings        │ Go to Run                                              4 │     32  394.50 KB │",
        "│ layer 0           │ Go to Compare                                          5 │     16  197.25 KB │",
        "│ layer 1           │ Show the keys                                          ? │   8.25  101.71 KB │",
        "│ final norm        │ Switch to the next theme                               t │   4.25   52.40 KB │",
        "│ lm head           │ Quit                                                   q │+ zero per 128     │",
        "│ total             │ Theme: default                                           │───────────────────╯",
        "│                   ╰──────────────────────────────────────────────────────────╯───────────────────╮",
        "│                                                          ││ path     …Fixtures/models/llama-fp32 │",
        "│                                                          ││ format   safetensors, 1 file         │",
        "│                                                          ││ on disk  396.63 KB                   │",
        "│                                                          ││ tensors  21                          │",
        "│                                                          ││ dtypes   F32                         │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "╰───────────────────────────────────────────────────── 1/6 ╯╰──────────────────────────────────────╯",
        "Enter run  ↑/Ctrl-P move  Esc close",
        ])
    }

    @Test func typingFiltersFuzzily() throws {
        let state = type("lay", on: press([.character(":")], on: makeState()).0)
        #expect(state.overlay == .palette(query: "lay", selected: 0))
        #expect(try screen(state) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "╭ llama-fp32 ──────────────────────────────────────────────────────────────────────────────────────╮",
        "│ decoder     llama ╭ Commands ────────────────────────────────────────────────╮6                  │",
        "│ tokens      vocabu│> lay                                                     │                   │",
        "│ parameters  98,624├──────────────────────────────────────────────────────────┤                   │",
        "╰───────────────────│ Go to Layers                                           2 │───────────────────╯",
        "╭ Parameters by part╰──────────────────────────────────────────────────────────╯hts ───────────────╮",
        "│ part                 parameters    share  dtype          ││ precision          bits/w      bytes │",
        "│ embeddings                6,144     6.2%  F32            ││ fp32                   32  394.50 KB │",
        "│ layer 0                  43,136    43.7%  F32            ││ fp16                   16  197.25 KB │",
        "│ layer 1                  43,136    43.7%  F32            ││ 8-bit g128           8.25  101.71 KB │",
        "│ final norm                   64     0.1%  F32            ││ 4-bit g128           4.25   52.40 KB │",
        "│ lm head                   6,144     6.2%  F32            ││ g128 = fp16 scale + zero per 128     │",
        "│ total                    98,624   100.0%  F32            │╰──────────────────────────────────────╯",
        "│                                                          │╭ File ────────────────────────────────╮",
        "│                                                          ││ path     …Fixtures/models/llama-fp32 │",
        "│                                                          ││ format   safetensors, 1 file         │",
        "│                                                          ││ on disk  396.63 KB                   │",
        "│                                                          ││ tensors  21                          │",
        "│                                                          ││ dtypes   F32                         │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "╰───────────────────────────────────────────────────── 1/6 ╯╰──────────────────────────────────────╯",
        "Enter run  ↑/Ctrl-P move  Esc close",
        ])
        let compare = type("gtcmp", on: press([.character(":")], on: makeState()).0)
        #expect(compare.palette?.selectedCommand?.id == "screen.compare")
    }

    @Test func enterRunsTheHighlightedCommand() {
        let typed = type("lay", on: press([.character(":")], on: makeState()).0)
        let (state, effects) = press([.enter], on: typed)
        #expect(state.screen == .layers && state.overlay == .none && effects.isEmpty)
        let quit = type("quit", on: press([.character(":")], on: makeState()).0)
        #expect(press([.enter], on: quit).1 == [.quit])
    }

    @Test func shortcutCharactersTypeIntoTheQuery() {
        let (state, effects) = press([.character(":"), .character("q"), .character("2"), .character("t"), .character("?")],
                                     on: makeState())
        #expect(effects.isEmpty)
        #expect(state.screen == .model && state.theme.name == "default")
        #expect(state.overlay == .palette(query: "q2t?", selected: 0))
    }

    @Test func arrowsMoveTheHighlightAndWrap() {
        let (open, _) = press([.character(":")], on: makeState())
        let count = open.paletteCommands.count
        #expect(press([.down, .ctrl("n")], on: open).0.overlay == .palette(query: "", selected: 2))
        #expect(press([.up], on: open).0.overlay == .palette(query: "", selected: count - 1))
        let (second, _) = press([.down, .enter], on: open)
        #expect(second.screen == .layers)
    }

    @Test func backspaceAndCtrlUEditTheQuery() {
        let typed = type("thx", on: press([.character(":")], on: makeState()).0)
        #expect(press([.backspace], on: typed).0.overlay == .palette(query: "th", selected: 0))
        #expect(press([.ctrl("u")], on: typed).0.overlay == .palette(query: "", selected: 0))
    }

    @Test func noMatchSaysSoAndEnterDoesNothing() throws {
        let typed = type("zzz", on: press([.character(":")], on: makeState()).0)
        #expect(try screen(typed).contains { $0.contains("no matching commands") })
        let (same, effects) = press([.enter], on: typed)
        #expect(same.overlay == typed.overlay && effects.isEmpty)
    }

    @Test func themesAreOfferedByName() {
        let dark = Theme(name: "Solarized dark", background: .black, text: .white, muted: .brightBlack, accent: .cyan,
                         border: .brightBlack, selection: .blue, heat: [.black, .white], good: .green, warn: .yellow, bad: .red,
                         series: [.cyan])
        let state = makeState(themes: [.default, dark])
        let titles = state.paletteCommands.map(\.title)
        #expect(titles == ["Go to Model", "Go to Layers", "Go to Quantize", "Go to Run", "Go to Compare", "Show the keys",
                           "Switch to the next theme", "Quit", "Theme: default", "Theme: Solarized dark"])
        let typed = type("sol", on: press([.character(":")], on: state).0)
        let (switched, _) = press([.enter], on: typed)
        #expect(switched.theme.name == "Solarized dark" && switched.overlay == .none)
    }

    @Test func escapeClosesWithoutRunning() {
        let typed = type("lay", on: press([.character(":")], on: makeState()).0)
        let (closed, effects) = press([.escape], on: typed)
        #expect(closed.overlay == .none && closed.screen == .model && effects.isEmpty)
    }
}
