import Foundation
import Testing
@testable import ScalpelTerm

@Suite struct ThemeTests {
    func themeFile(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("themes/\(name).theme"), encoding: .utf8)
    }

    @Test func defaultThemeFileMatchesTheBuiltInTheme() throws {
        let parsed = try Theme(parsing: try themeFile("default"), base: Theme.default.adapted(to: .ansi8))
        #expect(parsed == Theme.default)
    }

    @Test(arguments: ["default", "solarized-dark", "high-contrast"])
    func shippedThemesParseAndSetEveryKey(_ name: String) throws {
        let text = try themeFile(name)
        let keys = Set(text.split(separator: "\n").compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard !t.hasPrefix("#"), let eq = t.firstIndex(of: "=") else { return nil }
            return t[..<eq].trimmingCharacters(in: .whitespaces)
        })
        #expect(keys == Set(Theme.fileKeys.map(\.key)))
        let theme = try Theme(parsing: text)
        #expect(theme.heat.count >= 5)
        #expect(!theme.series.isEmpty)
    }

    @Test func solarizedValues() throws {
        let theme = try Theme(parsing: try themeFile("solarized-dark"))
        #expect(theme.name == "Solarized dark")
        #expect(theme.background == .rgb(0x00, 0x2b, 0x36))
        #expect(theme.heat.first == .rgb(0x07, 0x36, 0x42))
        #expect(theme.heat.count == 7)
    }

    @Test func parsesEveryValueForm() throws {
        let theme = try Theme(parsing: """
            # comment line
            name = "Mine"   # trailing comment
            accent = bright-cyan
            muted = 244
            text = "#abc"
            bad = "#ff0000"
            heat = [black, "#808080", 15]
            series = "green"
            """)
        #expect(theme.name == "Mine")
        #expect(theme.accent == .ansi(.brightCyan))
        #expect(theme.muted == .indexed(244))
        #expect(theme.text == .rgb(0xaa, 0xbb, 0xcc))
        #expect(theme.bad == .rgb(255, 0, 0))
        #expect(theme.heat == [.black, .rgb(128, 128, 128), .indexed(15)])
        #expect(theme.series == [.green])
        #expect(theme.good == Theme.default.good)  // left out: kept from the base
    }

    @Test func fileTextRoundTrips() throws {
        for name in ["default", "solarized-dark", "high-contrast"] {
            let theme = try Theme(parsing: try themeFile(name))
            #expect(try Theme(parsing: theme.fileText) == theme)
        }
    }

    func error(_ text: String) -> ThemeError? {
        do {
            _ = try Theme(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsCarryTheLineNumber() {
        let unknownColour = error("name = \"x\"\n\n# note\naccent = purpel\n")
        #expect(unknownColour?.line == 4)
        #expect(unknownColour?.message.contains("unknown colour \"purpel\"") == true)
        #expect(unknownColour?.description.hasPrefix("line 4: ") == true)

        #expect(error("accent = cyan\nbogus = red")?.line == 2)
        #expect(error("accent = cyan\nbogus = red")?.message.contains("unknown key 'bogus'") == true)
        #expect(error("text = red\naccent cyan")?.message.contains("expected 'key = value'") == true)
        #expect(error("accent = cyan\naccent = red")?.message == "'accent' is already set on line 1")
        #expect(error("name = \"open")?.message.contains("unterminated string") == true)
        #expect(error("heat = [red, blue")?.message.contains("closing ']'") == true)
        #expect(error("heat = [red]")?.message.contains("at least 2") == true)
        #expect(error("heat = [red,, blue]")?.message.contains("empty list item") == true)
        #expect(error("accent = [red, blue]")?.message.contains("one colour") == true)
        #expect(error("name = plain")?.message.contains("quoted string") == true)
        #expect(error("muted = 300")?.line == 1)
        #expect(error("accent =")?.message.contains("missing value") == true)
        #expect(error("text = dark red")?.message.contains("unexpected text") == true)
    }

    @Test func heatRampLookup() {
        let theme = Theme.default
        #expect(theme.heatColor(0) == theme.heat.first)
        #expect(theme.heatColor(1) == theme.heat.last)
        #expect(theme.heatColor(0.5) == theme.heat[4])
        #expect(theme.heatColor(-3) == theme.heat.first)
        #expect(theme.heatColor(.nan) == theme.heat.first)
        #expect(theme.seriesColor(6) == theme.series[0])
    }

    @Test func eightColourFallback() throws {
        let solarized = try Theme(parsing: try themeFile("solarized-dark")).adapted(to: .ansi8)
        let eight = Set(AnsiColor.allCases.prefix(8).map { Color.ansi($0) })
        let all = [solarized.background, solarized.text, solarized.muted, solarized.accent, solarized.border,
                   solarized.selection, solarized.good, solarized.warn, solarized.bad] + solarized.heat + solarized.series
        #expect(all.allSatisfy { eight.contains($0) })
        #expect(solarized.background == .black)
        #expect(solarized.bad == .red)
        let high = try Theme(parsing: try themeFile("high-contrast")).adapted(to: .ansi8)
        #expect(high.text == .white && high.accent == .yellow)
        #expect(Theme.default.adapted(to: .ansi8).text == .reset)
    }
}
