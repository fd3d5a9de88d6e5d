import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The Model screen drawn whole, at the reference size and at the minimum size.
@Suite struct ModelScreenTests {
    @Test func modelScreenAt100x30() throws {
        #expect(try screen(makeState()) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "╭ llama-fp32 ──────────────────────────────────────────────────────────────────────────────────────╮",
        "│ decoder     llama · 2 layers · hidden 64 · MLP 160 · 4 heads / 2 KV heads of 16                  │",
        "│ tokens      vocabulary 96 · context 256 · rope θ 10000 · separate head                           │",
        "│ parameters  98,624 (98.6K) in 21 tensors                                                         │",
        "╰──────────────────────────────────────────────────────────────────────────────────────────────────╯",
        "╭ Parameters by part ──────────────────────────────────────╮╭ Memory of the weights ───────────────╮",
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
        "j/↓ move  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
    }

    @Test func modelScreenAtMinimumSizeDropsColumnsButKeepsThePanels() throws {
        #expect(try screen(makeState(width: 60, height: 16)) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare",
        "╭ llama-fp32 ──────────────────────────────────────────────╮",
        "│ decoder     llama · 2 layers · hidden 64 · MLP 160 · 4   │",
        "│ heads / 2 KV heads of 16                                 │",
        "│ tokens      vocabulary 96 · context 256 · rope θ 10000 · │",
        "│ separate head                                            │",
        "│ parameters  98,624 (98.6K) in 21 tensors                 │",
        "╰──────────────────────────────────────────────────────────╯",
        "╭ Parameters by part ────────╮╭ Memory of the weights ─────╮",
        "│ part         params  share ││ precision            bytes │",
        "│ embeddings     6.1K   6.2% ││ fp32             394.50 KB │",
        "│ layer 0       43.1K  43.7% ││ fp16             197.25 KB │",
        "│ layer 1       43.1K  43.7% ││ 8-bit g128       101.71 KB │",
        "│ final norm       64   0.1% ││ 4-bit g128        52.40 KB │",
        "╰─────────────────────── 1/6 ╯╰────────────────────────────╯",
        "j/↓ move  Tab next  ? help  :/Ctrl-P commands  t theme  …",
        ])
    }

    @Test func partsTableScrollsToKeepTheSelectionInView() throws {
        let (bottom, _) = press([.character("G"), .character("k"), .character("k")], on: makeState(smolLM2))
        #expect(bottom.partSelection == 31)
        #expect(try screen(bottom) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                SmolLM2-135M-Instruct.Q4_1.gguf",
        "╭ SmolLM2-135M-Instruct.Q4_1.gguf ─────────────────────────────────────────────────────────────────╮",
        "│ decoder     llama · 30 layers · hidden 576 · MLP 1536 · 9 heads / 3 KV heads of 64               │",
        "│ tokens      vocabulary 49152 · context 8192 · rope θ 100000 · head tied to the embeddings        │",
        "│ parameters  134,515,008 (134.52M) in 272 tensors                                                 │",
        "╰──────────────────────────────────────────────────────────────────────────────────────────────────╯",
        "╭ Parameters by part ──────────────────────────────────────╮╭ Memory of the weights ───────────────╮",
        "│ part                 parameters    share  dtype          ││ precision          bits/w      bytes │",
        "│ layer 13              3,540,096     2.6%  F32, Q4_1      ││ fp32                   32  538.06 MB │",
        "│ layer 14              3,540,096     2.6%  F32, Q4_1      ││ fp16                   16  269.03 MB │",
        "│ layer 15              3,540,096     2.6%  F32, Q4_1      ││ 8-bit g128           8.25  138.72 MB │",
        "│ layer 16              3,540,096     2.6%  F32, Q4_1      ││ 4-bit g128           4.25   71.46 MB │",
        "│ layer 17              3,540,096     2.6%  F32, Q4_1      ││ g128 = fp16 scale + zero per 128     │",
        "│ layer 18              3,540,096     2.6%  F32, Q4_1      │╰──────────────────────────────────────╯",
        "│ layer 19              3,540,096     2.6%  F32, Q4_1      │╭ File ────────────────────────────────╮",
        "│ layer 20              3,540,096     2.6%  F32, Q4_1      ││ path     …M2-135M-Instruct.Q4_1.gguf │",
        "│ layer 21              3,540,096     2.6%  F32, Q4_1      ││ format   GGUF, 1 file                │",
        "│ layer 22              3,540,096     2.6%  F32, Q4_1      ││ on disk  98.36 MB                    │",
        "│ layer 23              3,540,096     2.6%  F32, Q4_1      ││ tensors  272                         │",
        "│ layer 24              3,540,096     2.6%  F32, Q4_1      ││ dtypes   Q8_0, F32, Q4_1             │",
        "│ layer 25              3,540,096     2.6%  F32, Q4_1      ││                                      │",
        "│ layer 26              3,540,096     2.6%  F32, Q4_1      ││                                      │",
        "│ layer 27              3,540,096     2.6%  F32, Q4_1      ││                                      │",
        "│ layer 28              3,540,096     2.6%  F32, Q4_1      ││                                      │",
        "│ layer 29              3,540,096     2.6%  F32, Q4_1      ││                                      │",
        "│ final norm                  576     0.0%  F32            ││                                      │",
        "│ lm head                       0     0.0%  tied           ││                                      │",
        "│ total               134,515,008   100.0%  Q8_0, F32, Q4… ││                                      │",
        "╰─────────────────────────────────────────────────── 32/34 ╯╰──────────────────────────────────────╯",
        "j/↓ move  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
        // Back to the top: the first part is the first row again.
        let (top, _) = press([.character("g")], on: bottom)
        let lines = try screen(top)
        #expect(top.partSelection == 0 && top.partOffset == 0)
        #expect(lines[8].hasPrefix("│ embeddings           28,311,552    21.0%  Q8_0"))
        #expect(lines[28].hasPrefix("╰──────────────────────────────────────────────────── 1/34 ╯"))
    }

    @Test func selectedPartIsDrawnReversed() throws {
        let (state, _) = press([.down, .character("j")], on: makeState())
        let backend = try draw(state)
        // Rows: tab bar, 5 header rows, table border, table header, then parts from row 8.
        #expect(backend.buffer[2, 10].modifiers.contains(.reverse))
        #expect(backend.buffer[2, 10].symbol == "l")  // "layer 1"
        #expect(!backend.buffer[2, 9].modifiers.contains(.reverse))
        #expect(try screen(state)[28].hasSuffix("3/6 ╯╰──────────────────────────────────────╯"))
    }

    @Test func pageKeysMoveByAScreenfulAndStopAtTheEnds() {
        let start = makeState(smolLM2)
        let visible = start.visiblePartRows
        #expect(visible == 20)
        let (down, _) = press([.pageDown], on: start)
        #expect(down.partSelection == visible - 1)
        let (end, _) = press([.pageDown, .pageDown, .pageDown, .pageDown], on: start)
        #expect(end.partSelection == 33)
        let (back, _) = press([.pageUp, .pageUp, .pageUp, .pageUp], on: end)
        #expect(back.partSelection == 0)
        let (up, _) = press([.up, .character("k")], on: start)
        #expect(up.partSelection == 0)
    }

    @Test func growingTheTerminalKeepsTheSelectionVisible() {
        let (bottom, _) = press([.end], on: makeState(smolLM2))
        #expect(bottom.partOffset == 34 - 20)
        let (tall, _) = reduce(bottom, .resize(Size(width: 100, height: 60)))
        #expect(tall.partOffset == 0)
        let (short, _) = reduce(tall, .resize(Size(width: 100, height: 20)))
        #expect(short.partOffset + short.visiblePartRows == 34)
    }

    @Test func missingModelShowsWhereItLookedAndHowToOpenOne() throws {
        let state = AppState(model: .unavailable(path: "/root/.cache/scalpel/models/SmolLM2-135M-Instruct.Q4_1.gguf",
                                                 reason: "The default model is not in the model cache."),
                             size: Size(width: 100, height: 30))
        #expect(try screen(state) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                       no model",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "          ╭ No model ────────────────────────────────────────────────────────────────────╮",
        "          │ looked for  /root/.cache/scalpel/models/SmolLM2-135M-Instruct.Q4_1.gguf      │",
        "          │                                                                              │",
        "          │ The default model is not in the model cache.                                 │",
        "          │                                                                              │",
        "          │ Open a model with `scalpel workbench MODEL`: a Hugging Face folder           │",
        "          │ (config.json + safetensors) or a GGUF file.                                  │",
        "          ╰──────────────────────────────────────────────────────────────────────────────╯",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "j/↓ move  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
        // No table to move in.
        let (moved, _) = press([.character("j")], on: state)
        #expect(moved.partSelection == 0)
    }
}
