#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Pillow's resampling filters, numbered as `PIL.Image.Resampling` (the `resample` value in
/// `preprocessor_config.json`). NEAREST (0) is not offered: Pillow runs it through a different path.
public enum ResampleFilter: Int, Sendable, Equatable, CaseIterable {
    case lanczos = 1
    case bilinear = 2
    case bicubic = 3
    case box = 4
    case hamming = 5

    /// Half-width of the filter at scale 1, in input pixels.
    var support: Double {
        switch self {
        case .box: 0.5
        case .bilinear, .hamming: 1.0
        case .bicubic: 2.0
        case .lanczos: 3.0
        }
    }

    /// The filter's weight at distance `x` (Pillow's libImaging/Resample.c, same operation order).
    func weight(_ x: Double) -> Double {
        switch self {
        case .box:
            return x > -0.5 && x <= 0.5 ? 1.0 : 0.0
        case .bilinear:
            let x = x < 0 ? -x : x
            return x < 1.0 ? 1.0 - x : 0.0
        case .hamming:
            var x = x < 0 ? -x : x
            if x == 0.0 { return 1.0 }
            if x >= 1.0 { return 0.0 }
            x = x * Double.pi
            // Pillow writes the constants as floats (0.54f, 0.46f).
            return sin(x) / x * (Double(Float(0.54)) + Double(Float(0.46)) * cos(x))
        case .bicubic:
            let a = -0.5
            let x = x < 0 ? -x : x
            if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
            if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0.0
        case .lanczos:
            func sinc(_ x: Double) -> Double {
                if x == 0.0 { return 1.0 }
                let y = x * Double.pi
                return sin(y) / y
            }
            return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0
        }
    }
}

/// Which of the two separable passes runs first when both are needed. Each pass rounds to 8 bits,
/// so the order changes some pixels by one level.
public enum ResamplePassOrder: Sendable, Equatable {
    /// Pillow 13 and later (python-pillow/Pillow#9549): vertical first when the height shrinks by more
    /// than twice as many pixels as the width (`inH - outH > 2 * (inW - outW)`, `outH < inH`),
    /// otherwise horizontal first.
    case pillow13
    /// Pillow 12 and earlier: always horizontal first.
    case horizontalFirst

    /// Whether the vertical pass runs first for this resize.
    func verticalFirst(inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int) -> Bool {
        switch self {
        case .horizontalFirst: false
        case .pillow13: outHeight < inHeight && inHeight - outHeight > 2 * (inWidth - outWidth)
        }
    }
}
