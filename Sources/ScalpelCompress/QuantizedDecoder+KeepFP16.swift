import ScalpelFormats
import ScalpelModels

extension QuantizedDecoder {
    /// The module suffixes of a CLIP encoder layer whose weights are linears.
    static let visionLinearSuffixes = ["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                                       "self_attn.out_proj.weight", "mlp.fc1.weight", "mlp.fc2.weight"]

    /// The part (not kept in 16-bit) whose quantizable matrix `name` is: the embeddings, the head, a vision
    /// tower linear or a projector linear; nil for every other tensor (norms, biases, the patch convolution,
    /// position and class embeddings stay as they are).
    func unkeptPart(_ name: String) -> KeepFP16.Part? {
        let part: KeepFP16.Part?
        if name == names.embedTokens {
            part = .embeddings
        } else if name == names.head {
            part = .head
        } else if let llava = llavaNames {
            if name.hasPrefix(llava.vision.prefix + "encoder.layers."), Self.visionLinearSuffixes.contains(where: name.hasSuffix) {
                part = .vision
            } else if name == llava.projector(1, "weight") || name == llava.projector(2, "weight") {
                part = .projector
            } else {
                part = nil
            }
        } else {
            part = nil
        }
        guard let part, !keepFP16.keeps(part) else { return nil }
        return part
    }

    /// The tensor names of the LLaVA parts, when the source is a LLaVA checkpoint (its tower is found).
    var llavaNames: LlavaTensorNames? {
        let l = LlavaTensorNames.detect(in: source)
        return source.contains(l.vision.classEmbedding) ? l : nil
    }

    /// Whether the source has tensors of `part`.
    func hasPart(_ part: KeepFP16.Part) -> Bool {
        switch part {
        case .embeddings: true
        case .head: source.contains(names.head)
        case .vision, .projector: llavaNames != nil
        }
    }

    /// A tensor outside the decoder blocks as exported: RTN with the blocks' scheme (a shorter last group
    /// where the group does not divide the row) when its part is not kept, the source's values otherwise.
    func otherValues(_ name: String) throws -> [Float] {
        var values = try source.floats(name)
        guard unkeptPart(name) != nil else { return values }
        try validateKeepFP16()
        guard let shape = source.info(name)?.shape, shape.count == 2 else {
            throw QuantError("'\(name)' is not a matrix; only matrices can be quantized")
        }
        values.withUnsafeMutableBufferPointer {
            RTN.fakeQuantize($0.baseAddress!, rows: shape[0], cols: shape[1], scheme: settings.scheme)
        }
        return values
    }

    /// Checks that the kept parts can be honoured: tied embeddings and head are one tensor, kept or quantized
    /// together.
    /// - Throws: `QuantError` when only one of a tied pair is kept.
    public func validateKeepFP16() throws {
        if config.tieWordEmbeddings, !source.contains(names.head), keepFP16.keeps(.embeddings) != keepFP16.keeps(.head) {
            throw QuantError("--keep-fp16: the embeddings and the LM head are one tied tensor here; keep both or neither")
        }
    }
}
