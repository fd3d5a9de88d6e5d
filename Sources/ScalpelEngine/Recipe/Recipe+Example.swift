extension Recipe {
    /// A commented recipe using every section (`scalpel recipe example`). Its paths are placeholders
    /// relative to the recipe's folder; everything else passes the checks.
    public static let exampleText = """
    # Scalpel recipe: prune -> heal (SFT) -> quantize -> evaluate -> export.
    # Paths are relative to this file's folder. Only `model` is required; leaving a section out skips
    # its stage. `scalpel recipe check FILE` reports every problem before anything runs.

    name: llava-drop4-w4          # run name; the run id is <name>-<yyyymmdd-hhmmss> (default: file name)
    backend: swift                # swift | torch
    seed: 0
    model: models/llava-1.5-7b-hf # Hugging Face folder (LLaMA or LLaVA) or a .gguf file

    calibration:                  # text the importance criteria and AWQ/GPTQ read
      domain: data/domain.json    # LLaVA conversation JSON or plain .txt
      general: data/general.txt   # general text; needed by domain_contrast
      samples: 64                 # sequences (>= 1)
      seq_len: 256                # tokens per sequence (>= 8)

    importance:                   # criteria to score (scalpel importance --criteria names)
      criteria: [block_influence, domain_contrast]
      lambda: 1.0                 # domain_contrast = base(domain) - lambda * base(general)
      base: block_influence       # block_influence | loo_ppl

    prune:                        # either `drop: [i, j, ...]` or `count` + `criterion`
      count: 4                    # drop the 4 lowest-scoring blocks ...
      criterion: domain_contrast  # ... by this criterion

    sft:                          # heal the pruned model
      data: data/train.json
      validation: data/val.json
      method: lora                # lora | full
      lora: {r: 8, alpha: 16, dropout: 0.0, rslora: false,
             targets: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]}
      steps: 100
      batch_size: 4
      grad_accum: 1
      lr: 2.0e-4
      warmup: 10                  # < steps
      weight_decay: 0.0
      max_grad_norm: 1.0          # 0: no clipping
      seq_len: 256
      eval_every: 20              # validation loss every 20 steps (0: never)
      checkpoint_every: 20

    quantize:
      method: awq                 # rtn | awq | gptq
      bits: 4                     # 2 | 3 | 4 | 8
      group_size: 128             # 32 | 64 | 128 | 0 (one group per row); must divide every input width
      symmetric: false
      keep_fp16: [embed_tokens, lm_head, vision_tower, projector]
      samples: 32                 # calibration sequences for awq / gptq

    eval:                         # evaluations of the final model
      - name: domain-test
        data: data/test.json
        metrics: [accuracy]       # accuracy (VQA exact match) | perplexity
        limit: 200
    baseline: true                # also evaluate the unmodified model

    export:
      formats: [hf, awq]          # hf | awq (4-bit) | gguf (4 or 8 bits, group_size 32)

    """
}
