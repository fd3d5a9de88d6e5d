import Foundation
import ScalpelFormats
import ScalpelModels

/// The output folder of a run: its emptiness check, `run.json`, and the checkpoint folders
/// (`checkpoints/step-NNNNNN`, each written under a temporary name and renamed into place).
struct SFTRunFolder {
    let path: String
    var checkpoints: String { path + "/checkpoints" }
    var settingsFile: String { path + "/run.json" }

    private var fm: FileManager { .default }

    /// Creates the folder, refusing a non-empty one unless resuming.
    func prepare(resume: Bool) throws {
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw FormatError(file: path, "the output path is a file, not a folder") }
            let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            if !resume, !entries.isEmpty {
                throw FormatError(file: path, "the output folder is not empty: pass --resume to continue the run in it, or choose a new folder")
            }
        }
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FormatError(file: path, "cannot create the output folder (\(error.localizedDescription))")
        }
    }

    /// Writes `run.json`, or, when resuming a run that has one, checks the settings match it.
    func recordSettings(_ settings: JSONValue, resume: Bool) throws {
        if resume, fm.fileExists(atPath: settingsFile) {
            let saved = try JSONValue.read(contentsOf: URL(fileURLWithPath: settingsFile))
            guard let old = saved.object, let new = settings.object else {
                throw FormatError(file: settingsFile, "not a run settings file")
            }
            let differing = Set(old.keys).union(new.keys).sorted().filter { old[$0]?.compact() != new[$0]?.compact() }
            if !differing.isEmpty {
                let detail = differing.map { "\($0): \(old[$0]?.compact() ?? "absent") → \(new[$0]?.compact() ?? "absent")" }
                throw FormatError(file: settingsFile, "--resume with settings that differ from the run's: " + detail.joined(separator: "; "))
            }
            return
        }
        try AtomicFile.write(settings.prettyPrinted() + "\n", to: settingsFile)
    }

    /// The checkpoint folder with the highest step, if any.
    func latestCheckpoint() throws -> (step: Int, path: String)? {
        steps().last.map { ($0.step, checkpoints + "/" + $0.name) }
    }

    /// Finished checkpoint folders, by step.
    func steps() -> [(step: Int, name: String)] {
        let names = (try? fm.contentsOfDirectory(atPath: checkpoints)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), let step = Int(name.dropFirst(5)),
                  fm.fileExists(atPath: checkpoints + "/" + name + "/" + TrainingCheckpoint.fileName) else { return nil }
            return (step, name)
        }.sorted { $0.0 < $1.0 }
    }

    /// Writes the trainer's state as `checkpoints/step-NNNNNN` and keeps the newest `keep` checkpoints.
    func writeCheckpoint(trainer: SFTTrainer, loader: SFTDataLoader?, keep: Int) throws -> String {
        try fm.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        // A folder left half-written by a killed run never became a checkpoint: clear it away.
        for name in (try? fm.contentsOfDirectory(atPath: checkpoints)) ?? [] where name.hasPrefix(".step-") {
            try? fm.removeItem(atPath: checkpoints + "/" + name)
        }
        let target = checkpoints + "/" + String(format: "step-%06d", trainer.step)
        try Self.replaceAtomically(target) { tmp in
            try TrainingCheckpoint.save(trainer, loader: loader, to: tmp)
        }
        for old in steps().dropLast(keep) {
            try? fm.removeItem(atPath: checkpoints + "/" + old.name)
        }
        return target
    }

    /// Builds a folder with `fill` under a temporary name beside `target`, then renames it into place
    /// (an existing `target` is moved aside first and removed after).
    static func replaceAtomically(_ target: String, fill: (String) throws -> Void) throws {
        let fm = FileManager.default
        let url = URL(fileURLWithPath: target)
        let parent = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let tmp = parent + "/." + name + ".tmp-\(getpid())"
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        do {
            try fill(tmp)
            try syncFolder(tmp)
            if fm.fileExists(atPath: target) {
                let aside = parent + "/." + name + ".old-\(getpid())"
                try? fm.removeItem(atPath: aside)
                try fm.moveItem(atPath: target, toPath: aside)
                try fm.moveItem(atPath: tmp, toPath: target)
                try? fm.removeItem(atPath: aside)
            } else {
                try fm.moveItem(atPath: tmp, toPath: target)
            }
            try syncFolder(parent)
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw error
        }
    }

    /// fsync of a folder, so a rename into it survives a crash.
    static func syncFolder(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
