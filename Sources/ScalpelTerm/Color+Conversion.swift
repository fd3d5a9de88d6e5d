extension Color {
    /// The xterm default RGB values of the 16 named colours.
    static let ansiRGB: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
        (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
        (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// The six channel levels of the 6×6×6 cube in the 256-colour palette.
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The RGB value this colour shows on an xterm-like terminal; `nil` for `.reset`.
    public var rgbComponents: (red: UInt8, green: UInt8, blue: UInt8)? {
        switch self {
        case .reset:
            return nil
        case .ansi(let a):
            let c = Color.ansiRGB[Int(a.rawValue)]
            return (c.0, c.1, c.2)
        case .indexed(let i):
            return Color.rgbOfIndex(Int(i))
        case .rgb(let r, let g, let b):
            return (r, g, b)
        }
    }

    static func rgbOfIndex(_ i: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        if i < 16 {
            let c = ansiRGB[i]
            return (c.0, c.1, c.2)
        }
        if i < 232 {
            let n = i - 16
            return (UInt8(cubeLevels[n / 36]), UInt8(cubeLevels[(n / 6) % 6]), UInt8(cubeLevels[n % 6]))
        }
        let v = UInt8(8 + 10 * (i - 232))
        return (v, v, v)
    }

    /// Relative luminance in 0...1 (Rec. 709 weights on the RGB value); `nil` for `.reset`.
    public var luminance: Double? {
        guard let c = rgbComponents else { return nil }
        return (0.2126 * Double(c.red) + 0.7152 * Double(c.green) + 0.0722 * Double(c.blue)) / 255
    }

    /// The closest colour a terminal with `support` can show.
    ///
    /// Named colours stay named (bright variants become their base colour on 8-colour terminals);
    /// indexed and RGB colours map to the nearest palette entry by a perceptually weighted distance.
    public func adapted(to support: ColorSupport) -> Color {
        switch (self, support) {
        case (.reset, _), (_, .trueColor):
            return self
        case (.ansi(let a), .ansi8):
            return .ansi(a.base)
        case (.ansi, _):
            return self
        case (.indexed(let i), .indexed256):
            return .indexed(i)
        case (.indexed(let i), _) where i < 16:
            return Color.ansi(AnsiColor(rawValue: i)!).adapted(to: support)
        case (.rgb(let r, let g, let b), .indexed256):
            return .indexed(Color.nearestIndex256(r, g, b))
        default:
            let c = rgbComponents!
            let count = support == .ansi8 ? 8 : 16
            return .ansi(AnsiColor(rawValue: UInt8(Color.nearest(c, among: 0..<count)))!)
        }
    }

    /// Weighted squared distance between two RGB colours ("redmean"-style weights).
    static func distance(_ a: (red: UInt8, green: UInt8, blue: UInt8), _ b: (red: UInt8, green: UInt8, blue: UInt8)) -> Int {
        let dr = Int(a.red) - Int(b.red)
        let dg = Int(a.green) - Int(b.green)
        let db = Int(a.blue) - Int(b.blue)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }

    static func nearest(_ c: (red: UInt8, green: UInt8, blue: UInt8), among indices: Range<Int>) -> Int {
        var best = indices.lowerBound
        var bestDistance = Int.max
        for i in indices {
            let d = distance(c, rgbOfIndex(i))
            if d < bestDistance {
                bestDistance = d
                best = i
            }
        }
        return best
    }

    /// The nearest entry of the 6×6×6 cube or the grey ramp (indices 16...255).
    static func nearestIndex256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        func level(_ v: UInt8) -> Int {
            var best = 0
            for (i, l) in cubeLevels.enumerated() where abs(l - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let cube = 16 + 36 * level(r) + 6 * level(g) + level(b)
        let mean = (Int(r) + Int(g) + Int(b)) / 3
        let grey = 232 + min(23, max(0, (mean - 3) / 10))
        let c = (red: r, green: g, blue: b)
        return UInt8(distance(c, rgbOfIndex(grey)) < distance(c, rgbOfIndex(cube)) ? grey : cube)
    }
}
