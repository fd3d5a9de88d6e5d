/// Something held per linear layer of a LLaMA block — an adapter, a packed weight — in seven optional slots
/// named as the block's fields, reachable by the Hugging Face module suffix (`self_attn.q_proj`, …,
/// `LlamaBlockAdapters.moduleSuffixes`).
public protocol BlockLinearSlots {
    associatedtype Slot
    var q: Slot? { get set }
    var k: Slot? { get set }
    var v: Slot? { get set }
    var o: Slot? { get set }
    var gate: Slot? { get set }
    var up: Slot? { get set }
    var down: Slot? { get set }
}

extension BlockLinearSlots {
    /// The slot's field for a module suffix (nil for a name that is not one of the seven).
    static func field(_ suffix: String) -> WritableKeyPath<Self, Slot?>? {
        switch suffix {
        case "self_attn.q_proj": \.q
        case "self_attn.k_proj": \.k
        case "self_attn.v_proj": \.v
        case "self_attn.o_proj": \.o
        case "mlp.gate_proj": \.gate
        case "mlp.up_proj": \.up
        case "mlp.down_proj": \.down
        default: nil
        }
    }

    /// The value held for the linear named by `suffix`; setting an unknown suffix does nothing.
    public subscript(suffix: String) -> Slot? {
        get { Self.field(suffix).flatMap { self[keyPath: $0] } }
        set {
            if let field = Self.field(suffix) { self[keyPath: field] = newValue }
        }
    }
}
