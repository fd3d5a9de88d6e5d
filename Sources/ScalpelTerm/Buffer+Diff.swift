extension Buffer {
    /// One cell to write: its absolute position and new content.
    public typealias Change = (x: Int, y: Int, cell: Cell)

    /// The cells of `self` that differ from `previous`, in row-major order — what a backend must write
    /// to turn the screen showing `previous` into one showing `self`.
    ///
    /// The second half of a wide grapheme is never emitted (writing the first half draws it), and cells
    /// that a wide grapheme covered in either buffer are re-sent so no stale half remains. When the
    /// areas differ every cell is returned.
    public func diff(_ previous: Buffer) -> [Change] {
        var updates: [Change] = []
        guard previous.area == area else {
            var skip = 0
            for (i, cell) in content.enumerated() {
                if skip > 0 { skip -= 1; continue }
                let p = position(of: i)
                updates.append((p.x, p.y, cell))
                skip = max(0, cell.width - 1)
            }
            return updates
        }
        var invalidated = 0
        var toSkip = 0
        for i in content.indices {
            let current = content[i]
            let old = previous.content[i]
            if toSkip == 0, !current.isContinuation, current != old || invalidated > 0 {
                let p = position(of: i)
                updates.append((p.x, p.y, current))
            }
            let cw = current.width
            toSkip = toSkip > 0 ? toSkip - 1 : max(0, cw - 1)
            invalidated = max(max(cw, old.width), invalidated) - 1
            if invalidated < 0 { invalidated = 0 }
            if (i + 1) % area.width == 0 { toSkip = 0; invalidated = 0 }
        }
        return updates
    }
}
