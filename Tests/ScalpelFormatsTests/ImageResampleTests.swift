import Testing
@testable import ScalpelFormats

/// `RGBImage.resized` must equal Pillow's `Image.resize` bit for bit.
@Suite struct ImageResampleTests {
    @Test(arguments: ImageTesting.manifest.resize)
    func equalsPillow(_ c: ImageManifest.Resize) throws {
        let source = try RGBImage.decode(fileAt: ImageTesting.path(c.input))
        let filter = try #require(ResampleFilter(rawValue: c.filter))
        let got = source.resized(width: c.width, height: c.height, filter: filter)
        #expect(got.width == c.width && got.height == c.height)
        let want = try ImageTesting.reference(c.expected, width: c.width, height: c.height)
        let diff = ImageTesting.difference(got, want)
        #expect(diff.count == 0, "\(c): \(diff.count) samples differ, max \(diff.max)")
    }

    /// Each pass alone is order-free, so the two orders equal two chained single-axis resizes.
    @Test func passOrders() throws {
        let image = try RGBImage.decode(fileAt: ImageTesting.path("inputs/rgb8.png"))
        for (w, h, verticalFirst) in [(80, 9, true), (36, 12, true), (20, 3, false), (50, 41, false), (36, 21, false)] {
            let viaRows = image.resized(width: w, height: image.height).resized(width: w, height: h)
            let viaColumns = image.resized(width: image.width, height: h).resized(width: w, height: h)
            #expect(viaRows != viaColumns, "\(w)x\(h) does not tell the orders apart")
            #expect(image.resized(width: w, height: h, passOrder: .horizontalFirst) == viaRows, "\(w)x\(h)")
            #expect(image.resized(width: w, height: h) == (verticalFirst ? viaColumns : viaRows), "\(w)x\(h)")
        }
    }

    @Test func sameSizeIsACopy() throws {
        let image = try RGBImage.decode(fileAt: ImageTesting.path("inputs/rgb8.png"))
        #expect(image.resized(width: image.width, height: image.height) == image)
    }

    @Test func constantImageStaysConstant() {
        let image = RGBImage(width: 13, height: 7, filledWith: RGBColor(red: 200, green: 3, blue: 255))
        for filter in ResampleFilter.allCases {
            for (w, h) in [(5, 3), (40, 29), (13, 2), (1, 1)] {
                let out = image.resized(width: w, height: h, filter: filter)
                #expect(out == RGBImage(width: w, height: h, filledWith: RGBColor(red: 200, green: 3, blue: 255)), "\(filter) \(w)x\(h)")
            }
        }
    }

    /// Weights are normalised per output pixel, so each row of fixed-point weights sums to about 1.0.
    @Test func kernelWeightsSumToOne() {
        for filter in ResampleFilter.allCases {
            for (inSize, outSize) in [(37, 16), (23, 41), (448, 336), (7, 7)] {
                let kernel = PillowResampleKernel(inSize: inSize, outSize: outSize, filter: filter)
                for i in 0..<outSize {
                    let n = kernel.bounds[2 * i + 1]
                    let sum = (0..<n).reduce(Int64(0)) { $0 + Int64(kernel.weights[i * kernel.ksize + $1]) }
                    #expect(abs(sum - (1 << 22)) <= Int64(n), "\(filter) \(inSize)->\(outSize) pixel \(i): \(sum)")
                    #expect(kernel.bounds[2 * i] >= 0 && kernel.bounds[2 * i] + n <= inSize)
                }
            }
        }
    }
}
