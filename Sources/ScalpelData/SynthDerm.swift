/// SynthDerm-VQA: a synthetic, clearly-labelled dermoscopy-like visual question answering benchmark.
public enum SynthDerm {}
