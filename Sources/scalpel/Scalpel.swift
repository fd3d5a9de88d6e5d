import ArgumentParser

/// The `scalpel` command: the workbench, the engine and the tools around them.
@main
struct Scalpel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalpel",
        abstract: "Compress multimodal LLMs: score layers, prune, heal with LoRA, quantize, export.",
        version: ScalpelVersion.string,
        subcommands: [Workbench.self, Inspect.self, Tokenize.self, Forward.self, Generate.self, PerplexityCommand.self, ImportanceCommand.self, PruneCommand.self, QuantizeCommand.self, MemoryEstimateCommand.self, Bench.self, Doctor.self, DataCommand.self, RecipeCommand.self, EvalCommand.self, SFTCommand.self, MergeCommand.self, TrainSampleCommand.self, RunCommand.self, RunsCommand.self, CompareCommand.self, ProtocolCommand.self],
        defaultSubcommand: Workbench.self
    )
}

enum ScalpelVersion {
    static let string = "0.1.0"
}
