// swift-tools-version: 6.0
import PackageDescription

/// Scalpel: a terminal workbench and engine that compresses multimodal LLMs (prune → SFT → quantize).
///
/// Layering (each module may import only those above it):
///   CBLAS, CNcursesW            C shims: OpenBLAS loaded at run time, ncursesw
///   ScalpelTensor               f32 kernels (forward and backward), f16/bf16 storage, BLAS access
///   ScalpelFormats              safetensors, GGUF, tokenizers, configs
///   ScalpelData                 generated datasets (SynthDerm-VQA), PNG output, answer scoring
///   ScalpelModels               LLaMA / CLIP / LLaVA
///   ScalpelCompress             calibration, layer importance, block pruning, quantization
///   ScalpelTrain                LoRA / full fine-tuning, AdamW, checkpoints
///   ScalpelEngine               event protocol, recipes, runner, run store (never imports the TUI)
///   ScalpelTerm                 cell buffers, layout, widgets (never touches curses)
///   ScalpelTUI                  app state, screens, curses backend, engine client
///   scalpel                     the command-line entry point
let package = Package(
    name: "Scalpel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scalpel", targets: ["scalpel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .target(
            name: "CBLAS",
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]
        ),
        .systemLibrary(name: "CNcursesW"),
        .systemLibrary(name: "CImageCodecs"),
        .target(name: "CImageDecode", dependencies: ["CImageCodecs"]),
        .target(name: "CKernels"),
        .target(
            name: "ScalpelTensor",
            dependencies: ["CBLAS", "CKernels", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "ScalpelFormats", dependencies: ["ScalpelTensor", "CImageDecode"]),
        .target(name: "ScalpelModels", dependencies: ["ScalpelTensor", "ScalpelFormats"]),
        .target(name: "ScalpelTrain", dependencies: ["ScalpelTensor", "ScalpelFormats", "ScalpelModels"]),
        .target(
            name: "ScalpelEngine",
            dependencies: [
                "ScalpelTensor", "ScalpelFormats", "ScalpelModels", "ScalpelCompress", "ScalpelTrain", "ScalpelData",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(name: "ScalpelData", dependencies: ["ScalpelFormats"]),
        .target(name: "ScalpelCompress", dependencies: ["ScalpelTensor", "ScalpelFormats", "ScalpelModels"]),
        .target(name: "ScalpelTerm"),
        .target(name: "ScalpelTUI", dependencies: ["ScalpelTerm", "ScalpelEngine", "CNcursesW"]),
        .executableTarget(
            name: "scalpel",
            dependencies: [
                "ScalpelTensor", "ScalpelFormats", "ScalpelModels", "ScalpelEngine", "ScalpelTUI", "ScalpelData",
                "ScalpelCompress", "ScalpelTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ScalpelTensorTests", dependencies: ["ScalpelTensor"]),
        .testTarget(name: "ScalpelFormatsTests", dependencies: ["ScalpelFormats"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ScalpelModelsTests", dependencies: ["ScalpelModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ScalpelTermTests", dependencies: ["ScalpelTerm"], resources: [.copy("Golden")]),
        .testTarget(name: "ScalpelTUITests", dependencies: ["ScalpelTUI"]),
        .testTarget(name: "ScalpelDataTests", dependencies: ["ScalpelData"]),
        .testTarget(name: "ScalpelCompressTests", dependencies: ["ScalpelCompress"]),
        .testTarget(name: "ScalpelEngineTests", dependencies: ["ScalpelEngine"]),
        .testTarget(name: "ScalpelTrainTests", dependencies: ["ScalpelTrain"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
