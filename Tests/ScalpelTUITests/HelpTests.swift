import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The `?` overlay, driven by the same keymap as the footer.
@Suite struct HelpTests {
    @Test func questionMarkOpensTheKeyList() throws {
        let (state, _) = press([.character("?")], on: makeState())
        #expect(state.overlay == .help(scroll: 0))
        #expect(try screen(state) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "╭ llama-fp32 ──────────────────────────────────────────────────────────────────────────────────────╮",
        "│ decoder     llama · 2 layers · hidden 64 · MLP 160 · 4 heads / 2 KV heads of 16                  │",
        "│ tokens      vocabulary 96 ╭ Keys ───────────────────────────────────╮d                           │",
        "│ parameters  98,624 (98.6K)│ General                                 │                            │",
        "╰───────────────────────────│   1            Go to Model              │────────────────────────────╯",
        "╭ Parameters by part ───────│   2            Go to Layers             │ the weights ───────────────╮",
        "│ part                 param│   3            Go to Quantize           │          bits/w      bytes │",
        "│ embeddings                │   4            Go to Run                │              32  394.50 KB │",
        "│ layer 0                  4│   5            Go to Compare            │              16  197.25 KB │",
        "│ layer 1                  4│   Tab          Next screen              │8           8.25  101.71 KB │",
        "│ final norm                │   S-Tab        Previous screen          │8           4.25   52.40 KB │",
        "│ lm head                   │   ?            Show the keys            │16 scale + zero per 128     │",
        "│ total                    9│   :/Ctrl-P     Open the command palette │────────────────────────────╯",
        "│                           │   t            Switch to the next theme │────────────────────────────╮",
        "│                           │   Esc          Close the overlay        │…Fixtures/models/llama-fp32 │",
        "│                           │   q            Quit                     │safetensors, 1 file         │",
        "│                           │                                         │396.63 KB                   │",
        "│                           │ Model screen                            │21                          │",
        "│                           │   j/↓          Next part                │F32                         │",
        "│                           │   k/↑          Previous part            │                            │",
        "│                           │   g/Home       First part               │                            │",
        "│                           │   G/End        Last part                │                            │",
        "│                           │   PgDn/Ctrl-D  A page down              │                            │",
        "│                           │   PgUp/Ctrl-U  A page up                │                            │",
        "│                           ╰─────────────────────────────────────────╯                            │",
        "│                                                          ││                                      │",
        "│                                                          ││                                      │",
        "╰───────────────────────────────────────────────────── 1/6 ╯╰──────────────────────────────────────╯",
        "Esc/? close  j/↓ scroll  Tab next  :/Ctrl-P commands  t theme  q quit",
        ])
    }

    @Test func escapeOrQuestionMarkCloses() {
        let (open, _) = press([.character("?")], on: makeState())
        #expect(press([.escape], on: open).0.overlay == .none)
        #expect(press([.character("?")], on: open).0.overlay == .none)
    }

    @Test func globalKeysStillWorkFromHelp() {
        let (open, _) = press([.character("?")], on: makeState())
        let (jumped, _) = press([.character("3")], on: open)
        #expect(jumped.screen == .quantize && jumped.overlay == .none)
        let (_, effects) = press([.character("q")], on: open)
        #expect(effects == [.quit])
    }

    @Test func everyBindingOfTheScreenIsListed() throws {
        let (state, _) = press([.character("?")], on: makeState())
        let text = try screen(state).joined(separator: "\n")
        for binding in state.keymap.activeBindings(in: Screen.model.context) {
            #expect(text.contains(binding.description), "help lacks \(binding.description)")
        }
    }

    @Test func helpScrollsWhenTheTerminalIsShort() throws {
        let (open, _) = press([.character("?")], on: makeState(width: 80, height: 16))
        let first = try screen(open)
        #expect(first.contains { $0.contains("↓ 7 more") })
        let (scrolled, _) = press(Array(repeating: Key.character("j"), count: 20), on: open)
        #expect(scrolled.overlay == .help(scroll: 7))
        let last = try screen(scrolled)
        #expect(last.contains { $0.contains("PgUp/Ctrl-U  A page up") })
        #expect(!last.contains { $0.contains("more ╯") })
        let (back, _) = press([.character("k"), .up], on: scrolled)
        #expect(back.overlay == .help(scroll: 5))
    }

    @Test func keymapHasNoConflictsAndEveryActionIsACommand() {
        #expect(Keymap.workbench.conflicts().isEmpty)
        for binding in Keymap.workbench.bindings {
            #expect(Command(id: binding.action) != nil, "unknown action \(binding.action)")
            #expect(Command(id: binding.action)?.id == binding.action)
        }
    }
}
