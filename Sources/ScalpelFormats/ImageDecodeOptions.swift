/// How `RGBImage.decode` turns a file into RGB.
public struct ImageDecodeOptions: Sendable, Equatable {
    /// What happens to transparency (an alpha channel, or a PNG tRNS chunk).
    public enum Transparency: Sendable, Equatable {
        /// Drop it, as Pillow's `convert("RGB")` does (and LLaVA's `Image.open(f).convert("RGB")`).
        case discard
        /// Composite over opaque white with Pillow's `alpha_composite` arithmetic, as transformers'
        /// `convert_to_rgb` does for images that carry transparency (transformers 5).
        case compositeOnWhite
    }

    /// How 16-bit grayscale PNGs (without an alpha channel) become 8-bit.
    public enum Gray16: Sendable, Equatable {
        /// Clip the 16-bit value to 0...255, exactly as Pillow converts mode I;16 to RGB. Matches the
        /// Python pipeline bit for bit, but a full-range 16-bit scan comes out nearly all white.
        case clipLikePillow
        /// Keep the high byte (value / 256): the faithful 8-bit view of a 16-bit scan.
        case highByte
    }

    public var transparency: Transparency
    public var gray16: Gray16
    /// Largest width or height accepted; checked from the header before any pixel memory is allocated.
    public var maxSide: Int
    /// Largest `width * height` accepted.
    public var maxPixels: Int

    public init(
        transparency: Transparency = .discard,
        gray16: Gray16 = .clipLikePillow,
        maxSide: Int = 16_384,
        maxPixels: Int = 16_384 * 16_384
    ) {
        self.transparency = transparency
        self.gray16 = gray16
        self.maxSide = maxSide
        self.maxPixels = maxPixels
    }
}
