import ArgumentParser

/// `scalpel bench`: kernel speed against the machine's own sgemm.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure kernels against raw sgemm.")
    func run() throws {}
}
