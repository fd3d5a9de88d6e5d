import ScalpelEngine
import ScalpelTerm

/// The Layers screen: importance scores as they arrive, the blocks marked to drop, the cursor and the
/// sort order.
public struct LayersState: Hashable, Sendable {
    /// Column names in arrival order: the criterion, with `/image` or `/text` for class-specific scores.
    public private(set) var criteria: [String] = []
    /// `scores[column][layer]`, exactly as the engine sent them.
    public private(set) var scores: [String: [Int: Double]] = [:]
    /// Blocks marked to drop.
    public var marked: Set<Int> = []
    /// The heatmap cursor and scroll position (rows are display rows, see ``order(layerCount:)``).
    public var cursor = HeatmapState()
    /// The column rows are sorted by (ascending: least important first), `nil` for layer order.
    public var sortColumn: Int?
    /// Which blocks are listed (`/` on the Layers screen).
    public var filter = LayerFilter("")
    /// Where the importance computation stands.
    public var status: JobStatus = .idle
    /// The calibration data of the last computation.
    public var calibration: String?
    /// The JSON file the last computation writes.
    public var resultPath: String?

    /// Creates an empty state.
    public init() {}

    /// Records one `importance` event.
    public mutating func record(layer: Int, criterion: String, score: Double, tokenClass: TokenClass) {
        let column = tokenClass == .all ? criterion : "\(criterion)/\(tokenClass.rawValue)"
        if !criteria.contains(column) { criteria.append(column) }
        scores[column, default: [:]][layer] = score
    }

    /// Drops every score (a new computation starts).
    public mutating func clearScores() {
        criteria = []
        scores = [:]
        sortColumn = nil
    }

    /// The score of `layer` under `column`, `nil` when none arrived.
    public func score(layer: Int, column: Int) -> Double? {
        guard criteria.indices.contains(column) else { return nil }
        return scores[criteria[column]]?[layer]
    }

    /// Layer indices in display order: the blocks the filter lists, by layer, or by the sort column
    /// ascending (missing scores last, ties by layer).
    public func order(layerCount: Int) -> [Int] {
        let layers = (0..<layerCount).filter { filter.matches(layer: $0, marked: marked.contains($0)) }
        guard let column = sortColumn else { return layers }
        return layers.sorted { a, b in
            switch (score(layer: a, column: column), score(layer: b, column: column)) {
            case let (x?, y?): return x != y ? x < y : a < b
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }

    /// The layer under the cursor.
    public func layerAtCursor(layerCount: Int) -> Int? {
        let order = order(layerCount: layerCount)
        return order.indices.contains(cursor.row) ? order[cursor.row] : nil
    }

    /// The `count` least important layers by `column` (lowest scores), in layer order.
    public func leastImportant(_ count: Int, column: Int, layerCount: Int) -> [Int] {
        let scored = (0..<layerCount).compactMap { layer in score(layer: layer, column: column).map { (layer, $0) } }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(max(0, count)).map(\.0).sorted()
    }
}

/// Where a piece of engine work stands.
public enum JobStatus: Hashable, Sendable {
    /// Not started.
    case idle
    /// Running in child process `pid`.
    case running(pid: Int32)
    /// Ended well.
    case finished
    /// Ended badly: what happened.
    case failed(String)
    /// Stopped on request.
    case cancelled

    /// Whether a child is running.
    public var isRunning: Bool {
        if case .running = self { return true }
        return false
    }
}
