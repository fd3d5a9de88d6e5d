import ScalpelFormats

extension SynthDerm {
    /// A contact sheet: one row per verdict (benign, suspicious, highly suspicious, top to bottom),
    /// `columns` test-split samples in each, every image enlarged `zoom` times (nearest neighbour)
    /// with a 4-pixel white gutter.
    public static func contactSheet(seed: UInt64, size: Int, columns: Int = 8, zoom: Int = 2) -> RGBImage {
        precondition(columns > 0 && zoom > 0)
        let gap = 4
        let cell = size * zoom
        let width = columns * cell + (columns + 1) * gap
        let height = 3 * cell + 4 * gap
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        for row in 0..<3 {
            for column in 0..<columns {
                let index = column * 3 + row  // index mod 3 is the verdict
                let image = sample(seed: seed, split: .test, index: index, size: size).image
                let left = gap + column * (cell + gap), top = gap + row * (cell + gap)
                for y in 0..<cell {
                    for x in 0..<cell {
                        let c = image[x / zoom, y / zoom]
                        let o = ((top + y) * width + left + x) * 3
                        pixels[o] = c.red
                        pixels[o + 1] = c.green
                        pixels[o + 2] = c.blue
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
