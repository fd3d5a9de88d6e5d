import ArgumentParser
import Foundation
import ScalpelTensor

/// `scalpel doctor`: checks the setup and says what to fix.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the installation: BLAS library and kernels, threads, terminal, model cache.")

    func run() throws {
        var problems = 0
        func line(_ ok: Bool, _ what: String, _ detail: String) {
            if !ok { problems += 1 }
            print("\(ok ? "ok  " : "FAIL") \(what.padding(toLength: 10, withPad: " ", startingAt: 0)) \(detail)")
        }
        do {
            let info = try BLAS.load()
            line(true, "blas", "\(info.library) — \(info.config)")
            let coreOK = info.recommendedCore.isEmpty || info.core == info.recommendedCore
                || info.coreSource == "environment"
            line(coreOK, "core", "\(info.core) (from \(info.coreSource); cpuid suggests \(info.recommendedCore.isEmpty ? "nothing" : info.recommendedCore))")
            if info.coreSource == "environment" && !info.recommendedCore.isEmpty && info.core != info.recommendedCore {
                print("     note: OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "") is set; unset it to use \(info.recommendedCore)")
            }
            line(true, "threads", "\(info.threads) BLAS threads, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        } catch {
            line(false, "blas", "\(error)")
        }
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        line(!term.isEmpty && term != "dumb", "terminal", term.isEmpty ? "TERM is not set (the workbench needs a terminal)" : "TERM=\(term)")
        let cache = ModelCache.directory
        line(true, "cache", cache.path)
        if problems > 0 { throw ExitCode(1) }
    }
}
