/// A rectangle of terminal cells, with its origin at the top-left corner.
///
/// Coordinates are absolute screen positions: `x` counts columns from the left edge and `y` rows from
/// the top. `right` and `bottom` are exclusive. Widths and heights are never negative; an empty
/// rectangle is valid everywhere and simply draws nothing.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    /// The leftmost column.
    public var x: Int
    /// The topmost row.
    public var y: Int
    /// The number of columns.
    public var width: Int
    /// The number of rows.
    public var height: Int

    /// Creates a rectangle; negative sizes are clamped to zero.
    public init(x: Int = 0, y: Int = 0, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = Swift.max(0, width)
        self.height = Swift.max(0, height)
    }

    /// The empty rectangle at the origin.
    public static let zero = Rect(width: 0, height: 0)

    /// The leftmost column (same as `x`).
    public var left: Int { x }
    /// One past the rightmost column.
    public var right: Int { x + width }
    /// The topmost row (same as `y`).
    public var top: Int { y }
    /// One past the bottom row.
    public var bottom: Int { y + height }
    /// The number of cells covered.
    public var area: Int { width * height }
    /// Whether the rectangle covers no cell.
    public var isEmpty: Bool { width == 0 || height == 0 }

    /// Whether the cell at (`x`, `y`) lies inside the rectangle.
    public func contains(x px: Int, y py: Int) -> Bool {
        px >= left && px < right && py >= top && py < bottom
    }

    /// The part of this rectangle that lies inside `other`; empty when they do not overlap.
    public func intersection(_ other: Rect) -> Rect {
        let x0 = Swift.max(left, other.left)
        let y0 = Swift.max(top, other.top)
        let x1 = Swift.min(right, other.right)
        let y1 = Swift.min(bottom, other.bottom)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Whether the two rectangles share at least one cell.
    public func intersects(_ other: Rect) -> Bool { !intersection(other).isEmpty }

    /// The smallest rectangle containing both.
    public func union(_ other: Rect) -> Rect {
        if isEmpty { return other }
        if other.isEmpty { return self }
        let x0 = Swift.min(left, other.left)
        let y0 = Swift.min(top, other.top)
        return Rect(x: x0, y: y0, width: Swift.max(right, other.right) - x0,
                    height: Swift.max(bottom, other.bottom) - y0)
    }

    /// The rectangle shrunk by `margin` on each side; empty (but still placed inside) when too small.
    public func inset(by margin: Margin) -> Rect {
        let w = width - margin.left - margin.right
        let h = height - margin.top - margin.bottom
        guard w > 0, h > 0 else {
            return Rect(x: Swift.min(x + margin.left, right), y: Swift.min(y + margin.top, bottom), width: 0, height: 0)
        }
        return Rect(x: x + margin.left, y: y + margin.top, width: w, height: h)
    }

    /// A rectangle of at most `width`×`height` centred inside this one.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = Swift.min(Swift.max(0, w), width)
        let ch = Swift.min(Swift.max(0, h), height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// The single-row rectangle at row `index` (relative to `top`), or an empty one when outside.
    public func row(_ index: Int) -> Rect {
        guard index >= 0, index < height else { return Rect(x: x, y: bottom, width: 0, height: 0) }
        return Rect(x: x, y: y + index, width: width, height: 1)
    }

    /// `Rect(x, y, width×height)`.
    public var description: String { "Rect(\(x), \(y), \(width)×\(height))" }
}
