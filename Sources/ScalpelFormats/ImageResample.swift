extension RGBImage {
    /// `PIL.Image.resize((width, height), filter)` on an RGB image, bit for bit: separable two-pass
    /// convolution, support widened by the downscale factor, weights normalised per output pixel and
    /// rounded to 22 fractional bits, 8-bit results rounded and clipped after each pass. When
    /// horizontal runs first it covers only the rows the vertical pass reads, as in Pillow.
    public func resized(
        width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic,
        passOrder: ResamplePassOrder = .pillow13
    ) -> RGBImage {
        precondition(outWidth > 0 && outHeight > 0, "resize target must have at least one pixel")
        if outWidth == width && outHeight == height { return self }
        let vertical = PillowResampleKernel(inSize: height, outSize: outHeight, filter: filter)
        if outWidth == width {
            return vertical.resampleColumns(of: self, bounds: vertical.bounds, outHeight: outHeight)
        }
        let horizontal = PillowResampleKernel(inSize: width, outSize: outWidth, filter: filter)
        if outHeight == height {
            return horizontal.resampleRows(of: self, firstRow: 0, rowCount: height)
        }
        if passOrder.verticalFirst(inWidth: width, inHeight: height, outWidth: outWidth, outHeight: outHeight) {
            let tall = vertical.resampleColumns(of: self, bounds: vertical.bounds, outHeight: outHeight)
            return horizontal.resampleRows(of: tall, firstRow: 0, rowCount: outHeight)
        }
        // Only the rows the vertical pass reads are resampled horizontally.
        let firstRow = vertical.bounds[0]
        let lastRow = vertical.bounds[2 * (outHeight - 1)] + vertical.bounds[2 * (outHeight - 1) + 1]
        var shifted = vertical.bounds
        for i in 0..<outHeight { shifted[2 * i] -= firstRow }
        let wide = horizontal.resampleRows(of: self, firstRow: firstRow, rowCount: lastRow - firstRow)
        return vertical.resampleColumns(of: wide, bounds: shifted, outHeight: outHeight)
    }
}

/// Pillow's precomputed resampling weights for one axis (`precompute_coeffs` then
/// `normalize_coeffs_8bpc`).
struct PillowResampleKernel {
    /// 8 result bits, 2 bits of headroom for negative lobes and sums above 1.
    static let precisionBits: Int32 = 32 - 8 - 2
    /// Weights per output pixel (the widest window).
    let ksize: Int
    /// For each output pixel: first input index, number of inputs.
    let bounds: [Int]
    /// `ksize` fixed-point weights per output pixel.
    let weights: [Int32]

    init(inSize: Int, outSize: Int, filter: ResampleFilter) {
        // Pillow passes the box edges as floats; (in1 - in0) = Float(inSize) is exact below 2^24.
        let scale = Double(Float(inSize) - Float(0)) / Double(outSize)
        let filterScale = scale < 1.0 ? 1.0 : scale
        let support = filter.support * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int](repeating: 0, count: outSize * 2)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        let one = Double(Int32(1) << PillowResampleKernel.precisionBits)
        for xx in 0..<outSize {
            let center = 0.0 + (Double(xx) + 0.5) * scale
            var total = 0.0
            let ss = 1.0 / filterScale
            var xmin = Int(center - support + 0.5)
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            for x in 0..<xmax {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                total += w
            }
            for x in 0..<xmax where total != 0.0 {
                k[x] /= total
            }
            for x in 0..<xmax {
                weights[xx * ksize + x] = k[x] < 0 ? Int32(-0.5 + k[x] * one) : Int32(0.5 + k[x] * one)
            }
            bounds[2 * xx] = xmin
            bounds[2 * xx + 1] = xmax
        }
        self.ksize = ksize
        self.bounds = bounds
        self.weights = weights
    }

    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let v = sum >> precisionBits
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }

    /// The horizontal pass over rows `firstRow ..< firstRow + rowCount` of `image`.
    func resampleRows(of image: RGBImage, firstRow: Int, rowCount: Int) -> RGBImage {
        let outWidth = bounds.count / 2
        let inWidth = image.width
        var out = [UInt8](repeating: 0, count: outWidth * rowCount * 3)
        let half: Int32 = 1 << (PillowResampleKernel.precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { src in
            bounds.withUnsafeBufferPointer { bounds in
                weights.withUnsafeBufferPointer { kk in
                    out.withUnsafeMutableBufferPointer { dst in
                        for yy in 0..<rowCount {
                            let row = (yy + firstRow) * inWidth * 3
                            let outRow = yy * outWidth * 3
                            for xx in 0..<outWidth {
                                let xmin = bounds[2 * xx], count = bounds[2 * xx + 1]
                                let k = xx * ksize
                                var s0 = half, s1 = half, s2 = half
                                var p = row + xmin * 3
                                for x in 0..<count {
                                    let w = kk[k + x]
                                    s0 = s0 &+ Int32(src[p]) &* w
                                    s1 = s1 &+ Int32(src[p + 1]) &* w
                                    s2 = s2 &+ Int32(src[p + 2]) &* w
                                    p += 3
                                }
                                dst[outRow + 3 * xx] = Self.clip8(s0)
                                dst[outRow + 3 * xx + 1] = Self.clip8(s1)
                                dst[outRow + 3 * xx + 2] = Self.clip8(s2)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: rowCount, pixels: out)
    }

    /// The vertical pass, with `bounds` already shifted to `image`'s rows.
    func resampleColumns(of image: RGBImage, bounds: [Int], outHeight: Int) -> RGBImage {
        let rowBytes = image.width * 3
        var out = [UInt8](repeating: 0, count: rowBytes * outHeight)
        let half: Int32 = 1 << (PillowResampleKernel.precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { src in
            bounds.withUnsafeBufferPointer { bounds in
                weights.withUnsafeBufferPointer { kk in
                    out.withUnsafeMutableBufferPointer { dst in
                        for yy in 0..<outHeight {
                            let ymin = bounds[2 * yy], count = bounds[2 * yy + 1]
                            let k = yy * ksize
                            for i in 0..<rowBytes {
                                var s = half
                                var p = ymin * rowBytes + i
                                for y in 0..<count {
                                    s = s &+ Int32(src[p]) &* kk[k + y]
                                    p += rowBytes
                                }
                                dst[yy * rowBytes + i] = Self.clip8(s)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: image.width, height: outHeight, pixels: out)
    }
}
