import Testing
@testable import ScalpelTerm

@Suite struct ColorTests {
    @Test func parsing() {
        #expect(Color(parsing: "cyan") == .cyan)
        #expect(Color(parsing: "Bright-Black") == .brightBlack)
        #expect(Color(parsing: "bright_red") == .ansi(.brightRed))
        #expect(Color(parsing: "dark-gray") == .brightBlack)
        #expect(Color(parsing: "default") == .reset)
        #expect(Color(parsing: "#ff8000") == .rgb(255, 128, 0))
        #expect(Color(parsing: "#f80") == .rgb(255, 136, 0))
        #expect(Color(parsing: "208") == .indexed(208))
        #expect(Color(parsing: "256") == nil)
        #expect(Color(parsing: "#12345") == nil)
        #expect(Color(parsing: "purpel") == nil)
    }

    @Test func descriptionRoundTrips() {
        for c: Color in [.reset, .cyan, .ansi(.brightMagenta), .indexed(42), .rgb(1, 170, 255)] {
            #expect(Color(parsing: c.description) == c)
        }
    }

    @Test func adaptingToEightColours() {
        #expect(Color.ansi(.brightRed).adapted(to: .ansi8) == .red)
        #expect(Color.rgb(250, 10, 10).adapted(to: .ansi8) == .red)
        #expect(Color.rgb(0x00, 0x2b, 0x36).adapted(to: .ansi8) == .black)  // solarized base03
        #expect(Color.rgb(0x26, 0x8b, 0xd2).adapted(to: .ansi8) == .cyan)   // solarized blue is nearer cyan than xterm blue
        #expect(Color.rgb(0xfd, 0xe7, 0x25).adapted(to: .ansi8) == .yellow) // viridis top
        #expect(Color.indexed(9).adapted(to: .ansi8) == .red)
        #expect(Color.indexed(46).adapted(to: .ansi8) == .green)
        #expect(Color.reset.adapted(to: .ansi8) == .reset)
    }

    @Test func adaptingTo256AndTrueColor() {
        #expect(Color.rgb(255, 0, 0).adapted(to: .indexed256) == .indexed(196))
        #expect(Color.rgb(128, 128, 128).adapted(to: .indexed256) == .indexed(244))
        #expect(Color.indexed(17).adapted(to: .indexed256) == .indexed(17))
        #expect(Color.rgb(1, 2, 3).adapted(to: .trueColor) == .rgb(1, 2, 3))
        #expect(Color.brightBlack.adapted(to: .ansi16) == .brightBlack)
    }

    @Test func supportFromColourCount() {
        #expect(ColorSupport(colorCount: 8) == .ansi8)
        #expect(ColorSupport(colorCount: 16) == .ansi16)
        #expect(ColorSupport(colorCount: 256) == .indexed256)
        #expect(ColorSupport(colorCount: 1 << 24) == .trueColor)
    }
}
