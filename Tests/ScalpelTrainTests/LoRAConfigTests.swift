import Testing
@testable import ScalpelTrain

@Suite("LoRA targets")
struct LoRAConfigTests {
    @Test("suffixes match as PEFT's target_modules list; regex matches whole names")
    func targets() throws {
        let list = LoRATargets.suffixes(["q_proj", "v_proj"])
        #expect(try list.matches("model.layers.0.self_attn.q_proj"))
        #expect(try !list.matches("model.layers.0.self_attn.k_proj"))
        #expect(try !list.matches("model.layers.0.self_attn.xq_proj"))
        let re = LoRATargets.regex(#".*language_model.*\.(q_proj|v_proj)"#)
        #expect(try re.matches("language_model.model.layers.1.self_attn.v_proj"))
        #expect(try !re.matches("vision_tower.vision_model.encoder.layers.1.self_attn.v_proj"))
    }

    @Test("scale is alpha/r, or alpha/√r with rsLoRA")
    func scale() {
        #expect(LoRAConfig(rank: 4, alpha: 8).scale == 2)
        #expect(LoRAConfig(rank: 4, alpha: 8, useRSLoRA: true).scale == 4)
    }
}
