/// A dot canvas in braille characters: each cell holds 2×4 dots, so a `width`×`height` cell area
/// has `2·width`×`4·height` dots. Dot (0, 0) is the top-left.
public struct BrailleGrid: Hashable, Sendable {
    /// Width in cells.
    public let width: Int
    /// Height in cells.
    public let height: Int
    /// The dot bits of each cell, row by row.
    public private(set) var bits: [UInt8]
    /// The colour of each cell (the last one drawn into it).
    public private(set) var colors: [Color?]

    /// The bit of each dot within a cell, indexed `[row][column]`.
    static let dotBits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    /// An empty grid of `width`×`height` cells.
    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        bits = Array(repeating: 0, count: self.width * self.height)
        colors = Array(repeating: nil, count: self.width * self.height)
    }

    /// The dot grid's width.
    public var dotWidth: Int { width * 2 }
    /// The dot grid's height.
    public var dotHeight: Int { height * 4 }

    /// Sets the dot at (`x`, `y`); dots outside the grid are ignored.
    public mutating func set(x: Int, y: Int, color: Color? = nil) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let i = (y / 4) * width + x / 2
        bits[i] |= BrailleGrid.dotBits[y % 4][x % 2]
        if let color { colors[i] = color }
    }

    /// Draws a straight line of dots from (`x0`, `y0`) to (`x1`, `y1`) (Bresenham).
    public mutating func line(from x0: Int, _ y0: Int, to x1: Int, _ y1: Int, color: Color? = nil) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            set(x: x, y: y, color: color)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// The braille character of cell (`column`, `row`), or `nil` when it has no dot.
    public func symbol(column: Int, row: Int) -> String? {
        let b = bits[row * width + column]
        guard b != 0 else { return nil }
        return String(Character(Unicode.Scalar(0x2800 + UInt32(b))!))
    }

    /// Writes every non-empty cell into `buffer` with its top-left cell at (`x`, `y`).
    public func render(into buffer: inout Buffer, x: Int, y: Int, defaultColor: Color?) {
        for row in 0..<height {
            for column in 0..<width {
                guard let s = symbol(column: column, row: row) else { continue }
                buffer.setString(x + column, y + row, s, style: Style(fg: colors[row * width + column] ?? defaultColor))
            }
        }
    }
}
