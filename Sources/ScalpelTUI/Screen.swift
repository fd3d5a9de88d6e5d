/// The workbench's screens, in tab-bar order; digits 1–5 jump to them.
public enum Screen: Int, CaseIterable, Hashable, Sendable {
    /// The opened model: architecture, parameters by part, memory of the weights, file.
    case model
    /// Layer importance scores and the choice of layers to drop.
    case layers
    /// Quantization method, bits, group size and the layers kept at fp16.
    case quantize
    /// A running recipe followed live.
    case run
    /// Finished runs side by side.
    case compare

    /// The name in the tab bar.
    public var title: String {
        switch self {
        case .model: "Model"
        case .layers: "Layers"
        case .quantize: "Quantize"
        case .run: "Run"
        case .compare: "Compare"
        }
    }

    /// The keymap context of the screen.
    public var context: String {
        switch self {
        case .model: "model"
        case .layers: "layers"
        case .quantize: "quantize"
        case .run: "run"
        case .compare: "compare"
        }
    }

    /// The identifier of the command that jumps to the screen, such as `screen.model`.
    public var commandID: String { "screen." + context }

    /// The screen after this one, wrapping around.
    public var next: Screen { Screen(rawValue: (rawValue + 1) % Screen.allCases.count)! }

    /// The screen before this one, wrapping around.
    public var previous: Screen {
        Screen(rawValue: (rawValue + Screen.allCases.count - 1) % Screen.allCases.count)!
    }
}
