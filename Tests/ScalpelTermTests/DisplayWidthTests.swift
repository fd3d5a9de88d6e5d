import Testing
@testable import ScalpelTerm

@Suite struct DisplayWidthTests {
    @Test func asciiAndControl() {
        #expect("hello".displayWidth == 5)
        #expect(Character("\t").displayWidth == 0)
        #expect(Character("\n").displayWidth == 0)
    }

    @Test func wideCharacters() {
        #expect("日本".displayWidth == 4)
        #expect("한국".displayWidth == 4)
        #expect("ＡＢ".displayWidth == 4)  // fullwidth forms
        #expect(Character("🚀").displayWidth == 2)
        #expect(Character("👍🏽").displayWidth == 2)  // with a skin-tone modifier: one grapheme
        #expect(Character("👨‍👩‍👧").displayWidth == 2)  // a ZWJ family
        #expect(Character("❤️").displayWidth == 2)  // text-default emoji with VS16
    }

    @Test func narrowSymbolsAndCombiningMarks() {
        #expect("▁▂█─│╭⠿✗…".displayWidth == 9)
        #expect("e\u{301}".displayWidth == 1)  // e + combining acute is one grapheme
        #expect("café".displayWidth == 4)
    }

    @Test func truncationAndPadding() {
        #expect("layers".truncated(toWidth: 4) == "lay…")
        #expect("layers".truncated(toWidth: 6) == "layers")
        #expect("日本語".truncated(toWidth: 4) == "日…")
        #expect("abc".truncated(toWidth: 1) == "a")
        #expect("abc".truncated(toWidth: 0) == "")
        #expect("ab".padded(toWidth: 5, alignment: .right) == "   ab")
        #expect("ab".padded(toWidth: 5, alignment: .center) == " ab  ")
    }
}
