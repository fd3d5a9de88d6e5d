import Foundation
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// Mouse presses and the wheel, at the reducer: positions are found in the rendered screen, so the
/// hit-testing is checked against what is drawn.
@Suite struct MouseTests {
    /// The column and row where `text` starts on the screen of `state` (columns counted in characters:
    /// every glyph on these screens is one cell wide).
    func find(_ text: String, in state: AppState, sourceLocation: SourceLocation = #_sourceLocation) throws -> Position {
        let rows = try screen(state)
        for (y, row) in rows.enumerated() {
            if let range = row.range(of: text) {
                return Position(x: row.distance(from: row.startIndex, to: range.lowerBound), y: y)
            }
        }
        Issue.record("\"\(text)\" is not on the screen:\n\(rows.joined(separator: "\n"))", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    func press(at p: Position, on state: AppState) -> AppState { reduce(state, .mouse(MouseEvent(.press, x: p.x, y: p.y))).0 }

    @Test func pressingATabShowsItsScreen() throws {
        var state = makeState()
        for target in Screen.allCases.reversed() {
            let label = "\(target.rawValue + 1) \(target.title)"
            var p = try find(label, in: state)
            #expect(p.y == 0)
            p.x += label.count - 1   // the tab's last letter
            state = press(at: p, on: state)
            #expect(state.screen == target, "pressing \(label)")
            #expect(activeTabTitle(try draw(state)) == label)
        }
        // The divider and the empty bar right of the tabs do nothing.
        let divider = try find("│ 2 Layers", in: state)
        #expect(press(at: divider, on: state).screen == state.screen)
        #expect(press(at: Position(x: 70, y: 0), on: state).screen == state.screen)
    }

    @Test func pressingABlockSelectsItAndPressingItAgainMarksIt() throws {
        var state = scoredSmolState()
        let row5 = try find("│   5 ", in: state)
        let label = Position(x: row5.x + 4, y: row5.y)
        state = press(at: label, on: state)
        #expect(state.layers.layerAtCursor(layerCount: 30) == 5 && state.layers.marked.isEmpty)
        state = press(at: label, on: state)
        #expect(state.layers.marked == [5], "a press on the block under the cursor marks it")
        #expect(try screen(state)[row5.y].hasPrefix("│ ✗ 5 "))
        state = press(at: label, on: state)
        #expect(state.layers.marked.isEmpty, "and again unmarks it")
        // A press on a cell picks the criterion as well; Space still marks from the keyboard.
        let angular = try find("angular", in: state)
        state = press(at: Position(x: angular.x + 2, y: row5.y + 3), on: state)
        #expect(state.layers.layerAtCursor(layerCount: 30) == 8 && state.layers.cursor.column == 1)
        state = MouseTests.keys([.character(" ")], on: state)
        #expect(state.layers.marked == [8])
        // Below the last row, on the header, the legend and the Drop panel: nothing.
        for p in [Position(x: label.x, y: angular.y), try find("1–22/30", in: state), try find("blocks     1 of 30", in: state)] {
            #expect(press(at: p, on: state) == state, "press at \(p)")
        }
    }

    /// Sorted and scrolled (the cursor near the end), every visible row still maps to the block it shows.
    @Test func pressesFollowSortingAndScrolling() throws {
        var state = scoredSmolState()
        state = MouseTests.keys([.character("l"), .character("s"), .character("G")], on: state)
        let rows = try screen(state)
        _ = try find("9–30/30", in: state)   // the heatmap is scrolled
        var checked = 0
        for y in 4..<26 {
            let label = String(rows[y].dropFirst(2).prefix(4)).trimmingSpaces
            guard let layer = Int(label) else { continue }
            let next = press(at: Position(x: 4, y: y), on: state)
            #expect(next.layers.layerAtCursor(layerCount: 30) == layer, "row \(y) shows block \(layer)")
            checked += 1
        }
        #expect(checked == 22)
    }

    @Test func pressingARunOrAFieldSelectsIt() throws {
        let suite = CompareScreenTests()
        let store = try suite.makeStore()
        defer { try? FileManager.default.removeItem(at: store) }
        var state = suite.compareState(store)
        state = press(at: try find("b-drop0-fp16", in: state), on: state)
        #expect(state.runSelection == 1)
        state = press(at: try find("c-drop1-w4", in: state), on: state)
        #expect(state.runSelection == 2)
        state = press(at: try find("run   ", in: state), on: state)
        #expect(state.runSelection == 2, "the header selects nothing")

        var quant = makeState()
        quant.context.estimator = tinyEstimator
        quant.screen = .quantize
        let bits = try find("Bits", in: quant)
        quant = press(at: bits, on: quant)
        #expect(quant.quantField == .bits && quant.quant.bits == 4)
        quant = press(at: bits, on: quant)
        #expect(quant.quant.bits == 8, "a press on the selected field changes it")
        quant = press(at: try find("Context length", in: quant), on: quant)
        quant = press(at: try find("Context length", in: quant), on: quant)
        #expect(quant.overlay == .prompt(Prompt(.context, title: "Context length in tokens", text: "\(quant.quant.context)")))
    }

    @Test func theWheelMovesTheSelectionAndOverlaysTakePresses() throws {
        var state = scoredSmolState()
        state = reduce(state, .mouse(MouseEvent(.wheelDown, x: 10, y: 10))).0
        state = reduce(state, .mouse(MouseEvent(.wheelDown, x: 10, y: 10))).0
        state = reduce(state, .mouse(MouseEvent(.wheelUp, x: 10, y: 10))).0
        #expect(state.layers.cursor.row == 1)
        // The palette and prompts ignore presses; help closes on one.
        let row5 = try find("│   5 ", in: state)
        var palette = MouseTests.keys([.character(":")], on: state)
        palette = press(at: Position(x: row5.x + 4, y: row5.y), on: palette)
        #expect(palette.overlay == .palette(query: "", selected: 0) && palette.layers.cursor.row == 1)
        let help = press(at: Position(x: 1, y: 1), on: MouseTests.keys([.character("?")], on: state))
        #expect(help.overlay == .none)
        // Too small: nothing.
        var small = state
        small.size = Size(width: 40, height: 10)
        #expect(press(at: Position(x: 12, y: 0), on: small) == small)
    }

    @Test func cursesButtonStatesBecomeEvents() {
        // The masks of ncurses' mouse version 2 (ncurses.h): BUTTON1_RELEASED 01, BUTTON1_PRESSED 02,
        // BUTTON1_CLICKED 04, BUTTON4_PRESSED 02 << 15, BUTTON5_PRESSED 02 << 20.
        #expect(CursesMouse.leftPressed == 0o2 && CursesMouse.leftReleased == 0o1 && CursesMouse.leftClicked == 0o4)
        #expect(CursesMouse.wheelUp == 0x10000 && CursesMouse.wheelDown == 0x200000)
        #expect(CursesMouse.event(x: 3, y: 4, bstate: 0o2) == MouseEvent(.press, x: 3, y: 4))
        #expect(CursesMouse.event(x: 3, y: 4, bstate: 0o4) == MouseEvent(.press, x: 3, y: 4))
        #expect(CursesMouse.event(x: 3, y: 4, bstate: 0o1) == nil, "releases are ignored")
        #expect(CursesMouse.event(x: 0, y: 0, bstate: 0x10000) == MouseEvent(.wheelUp, x: 0, y: 0))
        #expect(CursesMouse.event(x: 0, y: 0, bstate: 0x200000) == MouseEvent(.wheelDown, x: 0, y: 0))
        #expect(CursesMouse.event(x: 0, y: 0, bstate: 0o2 << 5) == nil, "the middle button is ignored")
        #expect(CursesMouse.event(x: -1, y: 0, bstate: 0o2) == nil)
    }

    static func keys(_ keys: [Key], on state: AppState) -> AppState { ScalpelTUITests.press(keys, on: state).0 }
}
