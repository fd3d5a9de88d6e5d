import Foundation
import ScalpelFormats
import ScalpelModels

/// How a LLaVA model takes the images of training conversations: the preprocessing of its
/// `preprocessor_config.json`, the id of `<image>` and how many feature rows each image fills
/// (the placeholder token is repeated that many times, as `LlavaModel.embed` expects).
public struct SFTImageSettings: Sendable {
    public var preprocessor: CLIPPreprocessor
    public var imageTokenId: Int
    public var featuresPerImage: Int
    /// The square side the vision tower takes.
    public var imageSize: Int

    public init(preprocessor: CLIPPreprocessor, imageTokenId: Int, featuresPerImage: Int, imageSize: Int) {
        self.preprocessor = preprocessor
        self.imageTokenId = imageTokenId
        self.featuresPerImage = featuresPerImage
        self.imageSize = imageSize
    }

    /// The settings of a LLaVA checkpoint (its preprocessor, image token and feature count).
    /// - Throws: `ModelError` when the checkpoint is a plain decoder.
    public init(checkpoint: Checkpoint) throws {
        guard let llava = checkpoint.config.llava else {
            throw ModelError("\(checkpoint.path) is a \(checkpoint.config.modelType) decoder, not a LLaVA model: it cannot take images")
        }
        self.init(llava: llava, preprocessor: try checkpoint.imagePreprocessor())
    }

    /// The settings of a LLaVA config with `preprocessor`.
    public init(llava: ModelConfig.Llava, preprocessor: CLIPPreprocessor) {
        let keepsClass = llava.visionFeatureSelectStrategy == "full"
        self.init(preprocessor: preprocessor, imageTokenId: llava.imageTokenIndex,
                  featuresPerImage: llava.vision.numPatches + (keepsClass ? 1 : 0), imageSize: llava.vision.imageSize)
    }

    /// Decodes and preprocesses the image file at `path`, checking it comes out the tower's size.
    public func pixelValues(fileAt path: String) throws -> [Float] {
        let pixels = try preprocessor.pixelValues(fileAt: path)
        guard pixels.height == imageSize && pixels.width == imageSize else {
            throw FormatError(file: path, "preprocessed to \(pixels.width)×\(pixels.height), but the vision tower takes \(imageSize)×\(imageSize) (check preprocessor_config.json)")
        }
        return pixels.values
    }
}
