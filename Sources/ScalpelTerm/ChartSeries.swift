/// One line of a `LineChart`: a name for the legend, the points, and an optional colour.
public struct ChartSeries: Hashable, Sendable {
    /// The legend name (an empty name is left out of the legend).
    public var name: String
    /// The x coordinates.
    public var xs: [Double]
    /// The y coordinates, one per x.
    public var ys: [Double]
    /// The colour; `nil` takes the theme's series colour for this series' position.
    public var color: Color?

    /// A series from `(x, y)` points.
    public init(name: String, points: [(Double, Double)], color: Color? = nil) {
        self.name = name
        self.xs = points.map(\.0)
        self.ys = points.map(\.1)
        self.color = color
    }

    /// A series whose x coordinates are `0, 1, 2, …`.
    public init(name: String, values: [Double], color: Color? = nil) {
        self.name = name
        self.xs = values.indices.map(Double.init)
        self.ys = values
        self.color = color
    }

    /// The number of points.
    public var count: Int { min(xs.count, ys.count) }
}
