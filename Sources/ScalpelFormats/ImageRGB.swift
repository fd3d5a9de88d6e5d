/// An 8-bit RGB image: `pixels` holds `width * height * 3` bytes, row-major, interleaved R, G, B
/// (the layout of `numpy.asarray(pil_image.convert("RGB"))`).
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels (at least 1).
    public let width: Int
    /// Height in pixels (at least 1).
    public let height: Int
    /// Interleaved RGB samples, `(y * width + x) * 3 + channel`.
    public private(set) var pixels: [UInt8]

    /// Wraps interleaved RGB bytes; `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "an image needs at least one pixel")
        precondition(pixels.count == width * height * 3, "RGB data must hold width * height * 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image of one colour.
    public init(width: Int, height: Int, filledWith color: RGBColor) {
        precondition(width > 0 && height > 0, "an image needs at least one pixel")
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = color.red
            pixels[i + 1] = color.green
            pixels[i + 2] = color.blue
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The colour at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> RGBColor {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) is outside the image")
        let i = (y * width + x) * 3
        return RGBColor(red: pixels[i], green: pixels[i + 1], blue: pixels[i + 2])
    }

    /// LLaVA-1.5's `expand2square`: the image pasted on a square canvas of `background`, centred along
    /// the short side with the offset rounded down (`(long - short) // 2`). Square images are returned as is.
    public func paddedToSquare(background: RGBColor) -> RGBImage {
        if width == height { return self }
        let side = max(width, height)
        var out = RGBImage(width: side, height: side, filledWith: background)
        let left = width < height ? (height - width) / 2 : 0
        let top = height < width ? (width - height) / 2 : 0
        out.paste(self, left: left, top: top)
        return out
    }

    /// transformers' `center_crop`: a `width` × `height` window whose offsets are
    /// `(size - crop) // 2` (rounded down); where the image is smaller than the window it is first
    /// centred on a black canvas with `ceil((crop - size) / 2)` pixels before it.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(cropWidth > 0 && cropHeight > 0, "a crop needs at least one pixel")
        if cropWidth == width && cropHeight == height { return self }
        // Python's floor division, as in transformers.
        func floorHalf(_ v: Int) -> Int { v >= 0 ? v / 2 : -((-v + 1) / 2) }
        let top = floorHalf(height - cropHeight)
        let left = floorHalf(width - cropWidth)
        if top >= 0 && top + cropHeight <= height && left >= 0 && left + cropWidth <= width {
            return cropped(left: left, top: top, width: cropWidth, height: cropHeight)
        }
        let canvasWidth = max(cropWidth, width)
        let canvasHeight = max(cropHeight, height)
        let padTop = (canvasHeight - height + 1) / 2
        let padLeft = (canvasWidth - width + 1) / 2
        var canvas = RGBImage(width: canvasWidth, height: canvasHeight, filledWith: RGBColor(red: 0, green: 0, blue: 0))
        canvas.paste(self, left: padLeft, top: padTop)
        let y0 = max(0, top + padTop)
        let y1 = min(canvasHeight, top + padTop + cropHeight)
        let x0 = max(0, left + padLeft)
        let x1 = min(canvasWidth, left + padLeft + cropWidth)
        return canvas.cropped(left: x0, top: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The rectangle `left ..< left + width`, `top ..< top + height`, which must lie inside the image.
    public func cropped(left: Int, top: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(left >= 0 && top >= 0 && cropWidth > 0 && cropHeight > 0
                     && left + cropWidth <= width && top + cropHeight <= height,
                     "crop rectangle lies outside the image")
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        let rowBytes = cropWidth * 3
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<cropHeight {
                    let from = ((top + y) * width + left) * 3
                    let to = y * rowBytes
                    dst.baseAddress!.advanced(by: to).update(from: src.baseAddress!.advanced(by: from), count: rowBytes)
                }
            }
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: out)
    }

    /// Copies `image` onto this one with its top-left corner at (`left`, `top`); parts outside are dropped.
    public mutating func paste(_ image: RGBImage, left: Int, top: Int) {
        let x0 = max(0, left), x1 = min(width, left + image.width)
        let y0 = max(0, top), y1 = min(height, top + image.height)
        guard x0 < x1 && y0 < y1 else { return }
        let rowBytes = (x1 - x0) * 3
        let destinationWidth = width
        image.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for y in y0..<y1 {
                    let from = ((y - top) * image.width + (x0 - left)) * 3
                    let to = (y * destinationWidth + x0) * 3
                    dst.baseAddress!.advanced(by: to).update(from: src.baseAddress!.advanced(by: from), count: rowBytes)
                }
            }
        }
    }
}

/// One 8-bit RGB colour.
public struct RGBColor: Sendable, Equatable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }
}
