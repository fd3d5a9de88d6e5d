import Foundation

/// The image half of a Hugging Face `preprocessor_config.json` for CLIP-style vision towers
/// (`CLIPImageProcessor`, as LLaVA-1.5 ships it), plus LLaVA-1.5's pad-to-square step.
/// Missing keys take `CLIPImageProcessor`'s defaults.
public struct PreprocessorConfig: Sendable, Equatable {
    /// How `size` picks the resize target.
    public enum Size: Sendable, Equatable {
        /// `{"shortest_edge": n}` (or a bare integer): short side to `n`, long side
        /// `int(n * long / short)` (truncated).
        case shortestEdge(Int)
        /// `{"shortest_edge": n, "longest_edge": m}`: transformers' `get_size_with_aspect_ratio`.
        case shortestAndLongestEdge(shortest: Int, longest: Int)
        /// `{"height": h, "width": w}` (or `[h, w]`): exactly that size.
        case exact(height: Int, width: Int)
    }

    public var doResize: Bool
    public var size: Size
    public var resample: ResampleFilter
    public var doCenterCrop: Bool
    /// Crop window (height, width).
    public var cropHeight: Int
    public var cropWidth: Int
    public var doRescale: Bool
    public var rescaleFactor: Double
    public var doNormalize: Bool
    /// Per-channel mean and standard deviation (R, G, B).
    public var imageMean: [Double]
    public var imageStd: [Double]
    /// Recorded for completeness: decoded images are always RGB already (see `ImageDecodeOptions`).
    public var doConvertRGB: Bool
    /// LLaVA-1.5 `image_aspect_ratio: pad`: paste the image centred on a square canvas filled with
    /// `int(mean * 255)` per channel before anything else. Not a `CLIPImageProcessor` key; read from
    /// `do_pad` only for `LlavaImageProcessor` configs, otherwise set it from the model's settings.
    public var padToSquare: Bool

    /// OpenAI CLIP's normalisation constants (transformers' `OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD`).
    public static let openAICLIPMean = [0.48145466, 0.4578275, 0.40821073]
    public static let openAICLIPStd = [0.26862954, 0.26130258, 0.27577711]

    public init(
        doResize: Bool = true,
        size: Size = .shortestEdge(224),
        resample: ResampleFilter = .bicubic,
        doCenterCrop: Bool = true,
        cropHeight: Int = 224,
        cropWidth: Int = 224,
        doRescale: Bool = true,
        rescaleFactor: Double = 1.0 / 255.0,
        doNormalize: Bool = true,
        imageMean: [Double] = PreprocessorConfig.openAICLIPMean,
        imageStd: [Double] = PreprocessorConfig.openAICLIPStd,
        doConvertRGB: Bool = true,
        padToSquare: Bool = false
    ) {
        self.doResize = doResize
        self.size = size
        self.resample = resample
        self.doCenterCrop = doCenterCrop
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.doRescale = doRescale
        self.rescaleFactor = rescaleFactor
        self.doNormalize = doNormalize
        self.imageMean = imageMean
        self.imageStd = imageStd
        self.doConvertRGB = doConvertRGB
        self.padToSquare = padToSquare
    }

    /// LLaVA-1.5's processor (`llava-hf/llava-1.5-7b-hf`): shortest edge 336, centre crop 336,
    /// bicubic, OpenAI CLIP mean/std; `padToSquare` as the original LLaVA-1.5 recipe uses it.
    public static func llava15(padToSquare: Bool = true) -> PreprocessorConfig {
        PreprocessorConfig(size: .shortestEdge(336), cropHeight: 336, cropWidth: 336, padToSquare: padToSquare)
    }

    /// The pad colour of `padToSquare`: `tuple(int(x * 255) for x in image_mean)`.
    public var padColor: RGBColor {
        func level(_ i: Int) -> UInt8 {
            let v = i < imageMean.count ? imageMean[i] * 255 : 0
            return UInt8(clamping: Int(max(0, min(255, v))))
        }
        return RGBColor(red: level(0), green: level(1), blue: level(2))
    }

    /// Reads `preprocessor_config.json` (or a folder holding one).
    public static func load(fileAt path: String) throws -> PreprocessorConfig {
        var file = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            file = (path as NSString).appendingPathComponent("preprocessor_config.json")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot read the file" : "no such file"
            throw FormatError(file: file, reason)
        }
        return try PreprocessorConfig(json: data, file: file)
    }

    /// Parses the JSON text of a `preprocessor_config.json`; `file` names it in errors.
    public init(json: Data, file: String = "preprocessor_config.json") throws {
        let raw: PreprocessorConfigJSON
        do {
            raw = try JSONDecoder().decode(PreprocessorConfigJSON.self, from: json)
        } catch let error as DecodingError {
            throw FormatError(file: file, PreprocessorConfigJSON.describe(error))
        } catch {
            throw FormatError(file: file, "invalid JSON: \(error)")
        }
        var config = PreprocessorConfig()
        if let v = raw.do_resize { config.doResize = v }
        if let size = raw.size {
            switch size {
            case .int(let n):
                config.size = .shortestEdge(n)
            case .pair(let h, let w):
                config.size = .exact(height: h, width: w)
            case .dict(let d):
                if let h = d["height"], let w = d["width"] {
                    config.size = .exact(height: h, width: w)
                } else if let s = d["shortest_edge"], let l = d["longest_edge"] {
                    config.size = .shortestAndLongestEdge(shortest: s, longest: l)
                } else if let s = d["shortest_edge"] {
                    config.size = .shortestEdge(s)
                } else {
                    let keys = d.keys.sorted().joined(separator: ", ")
                    throw FormatError(file: file, "size {\(keys)} is not supported (need shortest_edge, or height and width)")
                }
            }
        }
        if let r = raw.resample {
            guard let filter = ResampleFilter(rawValue: r) else {
                throw FormatError(file: file, "resample \(r) is not supported (1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)")
            }
            config.resample = filter
        }
        if let v = raw.do_center_crop { config.doCenterCrop = v }
        if let crop = raw.crop_size {
            switch crop {
            case .int(let n):
                (config.cropHeight, config.cropWidth) = (n, n)
            case .pair(let h, let w):
                (config.cropHeight, config.cropWidth) = (h, w)
            case .dict(let d):
                guard let h = d["height"], let w = d["width"] else {
                    throw FormatError(file: file, "crop_size needs height and width")
                }
                (config.cropHeight, config.cropWidth) = (h, w)
            }
        }
        if let v = raw.do_rescale { config.doRescale = v }
        if let v = raw.rescale_factor { config.rescaleFactor = v }
        if let v = raw.do_normalize { config.doNormalize = v }
        if let v = raw.image_mean { config.imageMean = v.values }
        if let v = raw.image_std { config.imageStd = v.values }
        if let v = raw.do_convert_rgb { config.doConvertRGB = v }
        if raw.image_processor_type == "LlavaImageProcessor", let pad = raw.do_pad { config.padToSquare = pad }
        try config.validate(file: file)
        self = config
    }

    /// Checks sizes and statistics; throws `FormatError` naming `file`.
    public func validate(file: String = "preprocessor_config.json") throws {
        switch size {
        case .shortestEdge(let n) where n <= 0:
            throw FormatError(file: file, "size.shortest_edge must be positive, not \(n)")
        case .shortestAndLongestEdge(let s, let l) where s <= 0 || l <= s:
            throw FormatError(file: file, "size needs 0 < shortest_edge < longest_edge, not \(s) and \(l)")
        case .exact(let h, let w) where h <= 0 || w <= 0:
            throw FormatError(file: file, "size height and width must be positive, not \(h)x\(w)")
        default:
            break
        }
        if doCenterCrop && (cropHeight <= 0 || cropWidth <= 0) {
            throw FormatError(file: file, "crop_size must be positive, not \(cropHeight)x\(cropWidth)")
        }
        if imageMean.count != 3 || imageStd.count != 3 {
            throw FormatError(file: file, "image_mean and image_std need 3 values each (RGB), not \(imageMean.count) and \(imageStd.count)")
        }
        if doNormalize && imageStd.contains(where: { $0 == 0 || !$0.isFinite }) {
            throw FormatError(file: file, "image_std must be finite and non-zero")
        }
    }
}

/// The raw keys of `preprocessor_config.json` that matter here; all optional.
private struct PreprocessorConfigJSON: Decodable {
    enum SizeValue: Decodable {
        case int(Int)
        case pair(Int, Int)
        case dict([String: Int])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) {
                self = .int(n)
            } else if let list = try? c.decode([Int].self) {
                guard list.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: c, debugDescription: "a size list needs 2 values [height, width]")
                }
                self = .pair(list[0], list[1])
            } else if let d = try? c.decode([String: Int?].self) {
                self = .dict(d.compactMapValues { $0 })
            } else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an integer, [height, width] or an object of integers")
            }
        }
    }

    struct Stats: Decodable {
        var values: [Double]
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) {
                values = [v, v, v]
            } else {
                values = try c.decode([Double].self)
            }
        }
    }

    var do_resize: Bool?
    var size: SizeValue?
    var resample: Int?
    var do_center_crop: Bool?
    var crop_size: SizeValue?
    var do_rescale: Bool?
    var rescale_factor: Double?
    var do_normalize: Bool?
    var image_mean: Stats?
    var image_std: Stats?
    var do_convert_rgb: Bool?
    var do_pad: Bool?
    var image_processor_type: String?

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : "\(p): "
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            if c.codingPath.isEmpty { return "invalid JSON: \(c.debugDescription)" }
            return "\(path(c))\(c.debugDescription)"
        case .keyNotFound(let key, let c):
            return "\(path(c))missing key \(key.stringValue)"
        @unknown default:
            return "invalid JSON"
        }
    }
}
