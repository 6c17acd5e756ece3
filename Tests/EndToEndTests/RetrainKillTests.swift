import Foundation
import Testing

/// `triage retrain` killed with SIGKILL at moments spread across its run, from right
/// after it starts to after it would have finished, and at the moments its new
/// version is being written and renamed into place.
@Suite struct RetrainKillTests {
    /// When to kill a run.
    private enum Moment: CustomStringConvertible {
        /// This many seconds after the process starts.
        case after(Double)
        /// As soon as a new staging folder appears, plus this many seconds.
        case staging(Double)
        /// As soon as a new version folder appears.
        case published

        var description: String {
            switch self {
            case .after(let seconds): String(format: "%.1f ms after the start", seconds * 1000)
            case .staging(let seconds):
                String(format: "%.1f ms after staging began", seconds * 1000)
            case .published: "when the new version folder appeared"
            }
        }
    }

    /// What must stay as it is while runs are killed.
    private struct Baseline {
        var current: Int
        var versions: [Int]
        /// Each version's files with their size and modification time.
        var files: [Int: [String: String]]
        /// `classify --dry-run` with the current version.
        var decisions: String
    }

    /// The files a published version holds, no more and no fewer.
    private static let versionFiles = [
        "calibration.jsonl", "manifest.json", "training.jsonl", "weights.bin",
    ]

    /// After every kill: CURRENT names the version it named before (or, when the run got
    /// as far as promoting, its own complete version); versions/ holds only complete
    /// versions that `models list` and `models show` read and whose weights load; the
    /// versions that were there are untouched; and `classify --dry-run` decides byte for
    /// byte as before.
    @Test func sigkillDuringRetrainLeavesTheCurrentVersionAndNoPartialVersion() throws {
        let triage = try TriageProcess()
        let rows = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 100)
        let train = try triage.write("train.csv", Slices.csv(rows))
        let trained = try triage.run(["train", "-q", "--data", train])
        try #require(trained.status == 0, "\(trained.stderr)")
        let test = try Slices.clinc("test.csv", labels: Slices.labels, perLabel: 4)
        let inputs = try triage.write("inputs.txt", test.map { $0.text + "\n" }.joined())
        let evaluation = try triage.write("evaluation.csv", Slices.csv(test))

        // A few answers for retrain to learn from.
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 40)
        let queued = try triage.run(
            ["classify", "-"], stdin: outOfScope.map { $0.text + "\n" }.joined())
        for id in try queued.jsonLines().compactMap({ $0["case"] as? Int }).prefix(5) {
            #expect(
                try triage.run(["review", "label", String(id), "oos", "--new-label"]).status == 0)
        }

        var baseline = try check(triage, inputs: inputs, evaluation: evaluation, after: nil)

        // One full run, timed; it publishes a version like any finished run.
        let start = Date()
        let measured = try startRetrain(triage)
        measured.waitUntilExit()
        let duration = Date().timeIntervalSince(start)
        baseline = try settle(
            measured, moment: "never", triage: triage, inputs: inputs, evaluation: evaluation,
            baseline: baseline)

        let fractions = [
            0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.94, 0.97,
            1.0, 1.1,
        ]
        let moments: [Moment] =
            fractions.map { .after($0 * duration) }
            + [.staging(0), .staging(0.0005), .staging(0.002), .published, .published]
        var killed = 0
        var killedWhileStaging = 0
        for moment in moments {
            let model = triage.path("models/default")
            let stagingBefore = Set(hidden(in: model))
            let process = try startRetrain(triage)
            switch moment {
            case .after(let seconds):
                usleep(useconds_t(seconds * 1_000_000))
            case .staging(let extra):
                waitUntil(process) { !Set(hidden(in: model)).subtracting(stagingBefore).isEmpty }
                usleep(useconds_t(extra * 1_000_000))
            case .published:
                let latest = baseline.versions.last ?? 0
                waitUntil(process) { versionNumbers(triage).contains { $0 > latest } }
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                killed += 1
                if !Set(hidden(in: model)).subtracting(stagingBefore).isEmpty {
                    killedWhileStaging += 1
                }
            }
            baseline = try settle(
                process, moment: moment.description, triage: triage, inputs: inputs,
                evaluation: evaluation, baseline: baseline)
        }

        // The spread must have hit runs in progress, publishing included.
        #expect(killed >= fractions.count / 2, "only \(killed) runs were killed")
        #expect(killedWhileStaging >= 1, "no run was killed while writing its new version")

        // The next publish clears what killed runs left behind.
        #expect(try triage.run(["retrain", "-q", "--force"]).status == 0)
        let leftovers =
            ((try? FileManager.default.contentsOfDirectory(
                atPath: triage.path("models/default"))) ?? []).filter {
                $0.hasPrefix(".") || $0.contains(".tmp-")
            }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }

    /// Starts `triage retrain --force` with its output discarded.
    private func startRetrain(_ triage: TriageProcess) throws -> Process {
        let process = Process()
        process.executableURL = TriageProcess.executable
        process.arguments = ["retrain", "-q", "--force"]
        var environment = ProcessInfo.processInfo.environment
        environment["TRIAGE_HOME"] = triage.home.path
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Polls until `condition` holds, the process ends, or ten seconds pass.
    private func waitUntil(_ process: Process, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && !condition() && Date() < deadline {}
    }

    /// Checks the registry after a run ended, killed or not, against what it was
    /// before, and returns what it is now.
    private func settle(
        _ process: Process, moment: String, triage: TriageProcess, inputs: String,
        evaluation: String, baseline: Baseline
    ) throws -> Baseline {
        let killed = process.terminationReason == .uncaughtSignal
        if !killed {
            #expect(process.terminationStatus == 0, "retrain failed (\(moment))")
        }
        return try check(
            triage, inputs: inputs, evaluation: evaluation,
            after: (baseline, killed: killed, moment: moment))
    }

    /// Checks that every version is complete and loads, and that the current version
    /// is the one before the run unless the run published and promoted a new one;
    /// returns the registry's state.
    private func check(
        _ triage: TriageProcess, inputs: String, evaluation: String,
        after run: (baseline: Baseline, killed: Bool, moment: String)?
    ) throws -> Baseline {
        let moment = run?.moment ?? "before any retrain"
        let versionsFolder = triage.path("models/default/versions")

        // Nothing in versions/ but complete, numbered versions.
        var files: [Int: [String: String]] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: versionsFolder) {
            let number = try #require(Int(entry), "\(entry) in versions/ (\(moment))")
            let folder = versionsFolder + "/" + entry
            let contents = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            #expect(contents == Self.versionFiles, "version \(entry) (\(moment))")
            files[number] = fingerprint(folder)
            let manifest = try manifestObject(triage, number)
            #expect(manifest["version"] as? Int == number, "version \(entry) (\(moment))")
        }
        let versions = files.keys.sorted()
        let current = try currentVersion(triage)
        let new = versions.filter { !(run?.baseline.versions.contains($0) ?? false) }

        if let run {
            // Versions that were there are untouched.
            for version in run.baseline.versions {
                #expect(files[version] == run.baseline.files[version], "version \(version)")
            }
            #expect(new.count <= 1, "\(new) appeared in one run (\(moment))")
            if current != run.baseline.current {
                // Only a run that got as far as promoting its version may move CURRENT.
                let promoted = try new.first.map {
                    try (manifestObject(triage, $0)["promotion"] as? [String: Any])?["promoted"]
                        as? Bool
                }
                #expect(
                    new == [current] && promoted == true,
                    "CURRENT moved from \(run.baseline.current) to \(current) (\(moment))")
            } else if !run.killed, let version = new.first {
                // A finished run that kept the old version current did not promote.
                let promotion = try manifestObject(triage, version)["promotion"] as? [String: Any]
                #expect(promotion?["promoted"] as? Bool == false, "version \(version)")
            }
        }

        // Through the binary: the list, each manifest, new versions' weights.
        let listed = try triage.run(["models", "list", "--json"])
        #expect(listed.status == 0 && listed.stderr.isEmpty, "\(listed.stderr) (\(moment))")
        #expect(try listed.jsonLines().compactMap { $0["version"] as? Int } == versions)
        for version in versions {
            let shown = try triage.run(["models", "show", String(version), "--json"])
            #expect(shown.status == 0, "models show \(version): \(shown.stderr) (\(moment))")
        }
        for version in new {
            let evaluated = try triage.run([
                "evaluate", "-q", "--version", String(version), "--data", evaluation, "--json",
            ])
            #expect(evaluated.status == 0, "evaluate \(version): \(evaluated.stderr) (\(moment))")
        }

        // The current version decides exactly as before.
        let decided = try triage.run(["classify", "--dry-run", inputs])
        #expect(decided.status == 0, "\(decided.stderr) (\(moment))")
        if let run, current == run.baseline.current {
            #expect(decided.stdout == run.baseline.decisions, "decisions changed (\(moment))")
        }
        return Baseline(
            current: current, versions: versions, files: files, decisions: decided.stdout)
    }

    private func currentVersion(_ triage: TriageProcess) throws -> Int {
        let text = try String(
            contentsOfFile: triage.path("models/default/CURRENT"), encoding: .utf8)
        return try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private func manifestObject(_ triage: TriageProcess, _ version: Int) throws -> [String: Any] {
        let data = try Data(
            contentsOf: URL(
                fileURLWithPath: triage.path("models/default/versions/\(version)/manifest.json")))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Numbered folders under versions/.
    private func versionNumbers(_ triage: TriageProcess) -> [Int] {
        let folder = triage.path("models/default/versions")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .compactMap(Int.init)
    }

    /// Hidden entries of a folder: staging folders and temporary files.
    private func hidden(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(".") }
    }

    /// Each file in a folder with its size and modification time.
    private func fingerprint(_ folder: String) -> [String: String] {
        var result: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)
            let size = attributes?[.size] as? Int ?? -1
            let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[name] = "\(size) \(date)"
        }
        return result
    }
}
