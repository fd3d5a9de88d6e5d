/// Splits a rectangle into rows or columns by constraints.
///
/// The arithmetic, on the space left after margins and spacing:
/// 1. `length`, `percentage`, `ratio`, `max` and `min` get their base size (`max(n)` starts at `n`,
///    `fill` at zero); percentages and ratios are rounded down.
/// 2. Cells lost to rounding go, one each, to the percentages and ratios with the largest remainders,
///    but only when no `fill` or `min` segment will take the spare space anyway.
/// 3. Spare space goes to `fill` segments by weight (spare rounding cells to the earliest); without
///    any, it is shared equally among `min` segments; without those, it stays unused at the end.
/// 4. When the base sizes overflow, segments give way from the last to the first: first
///    `percentage`, `ratio` and `max`, then `length`, then `min`.
///
/// ```swift
/// let rows = Layout.vertical([.length(1), .fill(1), .length(1)]).split(area)  // header, body, footer
/// ```
public struct Layout: Hashable, Sendable {
    /// The axis to split.
    public var direction: Direction
    /// One constraint per segment.
    public var constraints: [Constraint]
    /// Space kept empty around the whole area before splitting.
    public var margin: Margin
    /// Empty cells between neighbouring segments.
    public var spacing: Int

    /// Creates a layout.
    public init(direction: Direction, constraints: [Constraint], margin: Margin = .zero, spacing: Int = 0) {
        self.direction = direction
        self.constraints = constraints
        self.margin = margin
        self.spacing = Swift.max(0, spacing)
    }

    /// A layout that stacks segments top to bottom.
    public static func vertical(_ constraints: [Constraint], margin: Margin = .zero, spacing: Int = 0) -> Layout {
        Layout(direction: .vertical, constraints: constraints, margin: margin, spacing: spacing)
    }

    /// A layout that puts segments side by side.
    public static func horizontal(_ constraints: [Constraint], margin: Margin = .zero, spacing: Int = 0) -> Layout {
        Layout(direction: .horizontal, constraints: constraints, margin: margin, spacing: spacing)
    }

    /// The segments of `area`, one per constraint, in order; empty rectangles where space ran out.
    public func split(_ area: Rect) -> [Rect] {
        guard !constraints.isEmpty else { return [] }
        let inner = area.inset(by: margin)
        let along = direction == .horizontal ? inner.width : inner.height
        let gaps = spacing * (constraints.count - 1)
        let total = Swift.max(0, along - gaps)
        let sizes = Layout.sizes(for: constraints, total: total)
        var rects: [Rect] = []
        var offset = 0
        for size in sizes {
            let start = Swift.min(offset, along)
            let length = Swift.max(0, Swift.min(size, along - start))
            switch direction {
            case .horizontal:
                rects.append(Rect(x: inner.x + start, y: inner.y, width: length, height: inner.height))
            case .vertical:
                rects.append(Rect(x: inner.x, y: inner.y + start, width: inner.width, height: length))
            }
            offset += size + spacing
        }
        return rects
    }

    /// The size of each segment when `total` cells are shared by `constraints`.
    public static func sizes(for constraints: [Constraint], total: Int) -> [Int] {
        let total = Swift.max(0, total)
        var sizes = [Int](repeating: 0, count: constraints.count)
        var remainders: [(index: Int, numerator: Int, denominator: Int)] = []
        var exactSumNumerator = 0  // over a common denominator, for the rounding deficit
        var commonDenominator = 1
        for (i, c) in constraints.enumerated() {
            switch c {
            case .length(let n), .min(let n), .max(let n):
                sizes[i] = Swift.max(0, n)
            case .percentage(let p):
                let p = Swift.max(0, p)
                sizes[i] = total * p / 100
                remainders.append((i, (total * p) % 100, 100))
            case .ratio(let a, let b):
                guard b > 0, a > 0 else { continue }
                sizes[i] = total * a / b
                remainders.append((i, (total * a) % b, b))
            case .fill:
                sizes[i] = 0
            }
        }
        let hasFill = constraints.contains { if case .fill = $0 { true } else { false } }
        let minIndices = constraints.indices.filter { if case .min = constraints[$0] { true } else { false } }

        // Rounding losses of proportional segments, handed to the largest remainders.
        if !hasFill, minIndices.isEmpty, !remainders.isEmpty {
            for r in remainders { commonDenominator = lcm(commonDenominator, r.denominator) }
            for r in remainders { exactSumNumerator += r.numerator * (commonDenominator / r.denominator) }
            var deficit = exactSumNumerator / commonDenominator
            deficit = Swift.min(deficit, total - sizes.reduce(0, +))
            let order = remainders.sorted {
                $0.numerator * (commonDenominator / $0.denominator) > $1.numerator * (commonDenominator / $1.denominator)
            }
            var k = 0
            while deficit > 0, k < order.count {
                sizes[order[k].index] += 1
                deficit -= 1
                k += 1
            }
        }

        var spare = total - sizes.reduce(0, +)
        if spare > 0 {
            if hasFill {
                let weights = constraints.map { c -> Int in if case .fill(let w) = c { Swift.max(0, w) } else { 0 } }
                let weightSum = weights.reduce(0, +)
                if weightSum > 0 {
                    var given = 0
                    for i in sizes.indices where weights[i] > 0 {
                        let share = spare * weights[i] / weightSum
                        sizes[i] += share
                        given += share
                    }
                    var left = spare - given
                    for i in sizes.indices where weights[i] > 0 && left > 0 {
                        sizes[i] += 1
                        left -= 1
                    }
                } else if let first = weights.indices.first(where: { if case .fill = constraints[$0] { true } else { false } }) {
                    sizes[first] += spare
                }
            } else if !minIndices.isEmpty {
                let each = spare / minIndices.count
                var left = spare - each * minIndices.count
                for i in minIndices {
                    sizes[i] += each
                    if left > 0 {
                        sizes[i] += 1
                        left -= 1
                    }
                }
            }
            spare = 0
        } else if spare < 0 {
            var excess = -spare
            let tiers: [(Constraint) -> Bool] = [
                { switch $0 { case .percentage, .ratio, .max: true; default: false } },
                { if case .length = $0 { true } else { false } },
                { if case .min = $0 { true } else { false } },
            ]
            for tier in tiers where excess > 0 {
                for i in sizes.indices.reversed() where excess > 0 && tier(constraints[i]) {
                    let cut = Swift.min(sizes[i], excess)
                    sizes[i] -= cut
                    excess -= cut
                }
            }
        }
        return sizes
    }

    private static func lcm(_ a: Int, _ b: Int) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        return a / gcd(a, b) * b
    }
}
