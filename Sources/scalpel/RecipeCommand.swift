import ArgumentParser
import Foundation
import ScalpelEngine

/// `scalpel recipe check RECIPE` and `scalpel recipe example`.
struct RecipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipe",
        abstract: "Check a run recipe, or print a commented example.",
        subcommands: [RecipeCheckCommand.self, RecipeExampleCommand.self]
    )
}

/// `scalpel recipe check RECIPE [--no-model]`: every problem as `file:line:column: message (hint)`.
struct RecipeCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report every problem of a recipe (YAML, keys, types, ranges, paths, and the model's shape); exit 1 if any.",
        discussion: "The model's config is read (no weights) to check block indices, group sizes and LoRA targets. See docs/recipes.md."
    )

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    @Flag(help: "Skip the checks that read the model's configuration.")
    var noModel = false

    func run() throws {
        let (checked, diagnostics) = Recipe.check(path: recipe, checkModel: !noModel)
        if !diagnostics.isEmpty {
            for d in diagnostics { print(d) }
            print("\(diagnostics.count) problem\(diagnostics.count == 1 ? "" : "s") in \(recipe)")
            throw ExitCode(1)
        }
        guard let r = checked else { throw ExitCode(1) }
        let stages = [r.importance != nil ? "importance" : nil, r.prune != nil ? "prune" : nil, r.sft != nil ? "sft" : nil,
                      r.quantize != nil ? "quantize" : nil, r.evaluations.isEmpty ? nil : "eval",
                      r.export != nil ? "export" : nil].compactMap { $0 }
        print("\(recipe): ok (\(r.name): \(stages.isEmpty ? "no stages" : stages.joined(separator: " → ")))")
    }
}

/// `scalpel recipe example`: a commented recipe with every section.
struct RecipeExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Print a commented example recipe."
    )

    func run() {
        print(Recipe.exampleText, terminator: "")
    }
}
