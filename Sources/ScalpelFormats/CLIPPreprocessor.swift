/// transformers' slow `CLIPImageProcessor` (the PIL path) on decoded RGB images, with LLaVA-1.5's
/// optional pad-to-square first: pad → resize (Pillow, bit-exact) → centre crop → rescale → normalise.
/// The float steps follow numpy's order and precision: `Float(Double(v) * rescale_factor)`, then
/// `(x - Float(mean)) / Float(std)` in Float32, so results equal transformers' exactly.
public struct CLIPPreprocessor: Sendable, Equatable {
    public var config: PreprocessorConfig
    /// Pillow 13 and later may run the vertical resize pass first; `.horizontalFirst` reproduces the
    /// Pillow (12 and earlier) that most LLaVA checkpoints were trained with. Pixels differ by at most
    /// one level between the two, in few places.
    public var resamplePassOrder: ResamplePassOrder

    public init(config: PreprocessorConfig, resamplePassOrder: ResamplePassOrder = .pillow13) {
        self.config = config
        self.resamplePassOrder = resamplePassOrder
    }

    /// Reads `preprocessor_config.json` (or a model folder holding one).
    public init(configFileAt path: String, resamplePassOrder: ResamplePassOrder = .pillow13) throws {
        self.config = try PreprocessorConfig.load(fileAt: path)
        self.resamplePassOrder = resamplePassOrder
    }

    /// The `(height, width)` transformers resizes an image of this size to (before cropping).
    public func resizeTarget(width: Int, height: Int) -> (height: Int, width: Int) {
        switch config.size {
        case .exact(let h, let w):
            return (h, w)
        case .shortestEdge(let size):
            // get_resize_output_image_size(default_to_square=False): int(size * long / short).
            let (short, long) = width <= height ? (width, height) : (height, width)
            let newLong = Int(Double(size * long) / Double(short))
            return width <= height ? (newLong, size) : (size, newLong)
        case .shortestAndLongestEdge(let shortest, let longest):
            return Self.sizeWithAspectRatio(height: height, width: width, size: shortest, maxSize: longest)
        }
    }

    /// transformers' `get_size_with_aspect_ratio`.
    static func sizeWithAspectRatio(height: Int, width: Int, size requested: Int, maxSize: Int) -> (height: Int, width: Int) {
        var size = requested
        var rawSize: Double? = nil
        let minOriginal = Double(min(height, width))
        let maxOriginal = Double(max(height, width))
        if maxOriginal / minOriginal * Double(size) > Double(maxSize) {
            let raw = Double(maxSize) * minOriginal / maxOriginal
            rawSize = raw
            size = Int(raw.rounded(.toNearestOrEven))
        }
        if (height <= width && height == size) || (width <= height && width == size) {
            return (height, width)
        }
        if width < height {
            let oh = rawSize.map { Int($0 * Double(height) / Double(width)) } ?? Int(Double(size * height) / Double(width))
            return (oh, size)
        }
        let ow = rawSize.map { Int($0 * Double(width) / Double(height)) } ?? Int(Double(size * width) / Double(height))
        return (size, ow)
    }

    /// The 8-bit image the float steps see: padded, resized and cropped as configured.
    public func preparedImage(_ image: RGBImage) -> RGBImage {
        var image = image
        if config.padToSquare {
            image = image.paddedToSquare(background: config.padColor)
        }
        if config.doResize {
            let target = resizeTarget(width: image.width, height: image.height)
            image = image.resized(width: target.width, height: target.height, filter: config.resample,
                                  passOrder: resamplePassOrder)
        }
        if config.doCenterCrop {
            image = image.centerCropped(width: config.cropWidth, height: config.cropHeight)
        }
        return image
    }

    /// `pixel_values[0]` for one image: Float32, channel-major `[3, height, width]`.
    public func pixelValues(_ image: RGBImage) -> CLIPPixelValues {
        let prepared = preparedImage(image)
        let table = levelTable()
        let plane = prepared.width * prepared.height
        var values = [Float](repeating: 0, count: 3 * plane)
        prepared.pixels.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for i in 0..<plane {
                    dst[i] = table[Int(src[3 * i])]
                    dst[plane + i] = table[256 + Int(src[3 * i + 1])]
                    dst[2 * plane + i] = table[512 + Int(src[3 * i + 2])]
                }
            }
        }
        return CLIPPixelValues(height: prepared.height, width: prepared.width, values: values)
    }

    /// Decodes the file at `path` and preprocesses it.
    public func pixelValues(fileAt path: String, options: ImageDecodeOptions = .init()) throws -> CLIPPixelValues {
        pixelValues(try RGBImage.decode(fileAt: path, options: options))
    }

    /// The output for each 8-bit level of each channel (`256 * channel + level`): the float steps are
    /// per-sample, so a table computed with numpy's arithmetic reproduces them exactly.
    public func levelTable() -> [Float] {
        var table = [Float](repeating: 0, count: 768)
        for c in 0..<3 {
            let mean = Float(config.imageMean[c])
            let std = Float(config.imageStd[c])
            for v in 0..<256 {
                // rescale: image.astype(float64) * scale, then cast to float32.
                var x = config.doRescale ? Float(Double(v) * config.rescaleFactor) : Float(v)
                // normalize: float32 (x - mean) / std with float32 mean and std.
                if config.doNormalize { x = (x - mean) / std }
                table[256 * c + v] = x
            }
        }
        return table
    }
}
