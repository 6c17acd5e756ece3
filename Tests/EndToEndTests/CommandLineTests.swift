import Foundation
import Testing

/// How the command line treats what users type: help, usage errors and exit codes.
@Suite struct CommandLineTests {
    @Test(arguments: [
        ["train"], ["classify"], ["review", "list"], ["review", "show"], ["review", "label"],
        ["review", "skip"], ["retrain"], ["evaluate"], ["models", "list"], ["models", "show"],
        ["models", "diff"],
    ])
    func everyCommandHasHelp(command: [String]) throws {
        let result = try TriageProcess().run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Usage: triage \(command.joined(separator: " "))"))
        #expect(result.stdout.contains("--home DIR"))
        #expect(result.stderr.isEmpty)
    }

    @Test func topLevelHelpListsEveryCommand() throws {
        let result = try TriageProcess().run(["--help"])
        #expect(result.status == 0)
        for name in ["train", "classify", "review list", "review label", "retrain"] {
            #expect(result.stdout.contains("  \(name) "))
        }
        let bare = try TriageProcess().run([])
        #expect(bare.status == 64)
        #expect(bare.stderr.hasPrefix("Usage: triage"))
    }

    @Test func unknownOptionIsAOneLineUsageError() throws {
        let result = try TriageProcess().run(["train", "--data", "x.csv", "--frobnicate"])
        #expect(result.status == 64)
        #expect(
            result.stderr
                == "triage: error: unknown option '--frobnicate' for 'triage train' (see 'triage train --help')\n"
        )
        #expect(result.stdout.isEmpty)
    }

    @Test func missingValueIsAOneLineUsageError() throws {
        let result = try TriageProcess().run(["classify", "--model"])
        #expect(result.status == 64)
        #expect(result.stderr == "triage: error: option '--model NAME' needs a value\n")
    }

    @Test func emptyValueIsAOneLineUsageError() throws {
        let triage = try TriageProcess()
        let cases: [([String], String)] = [
            (["train", "--data", ""], "--data FILE"),
            (["classify", "--text", "", "-"], "--text COL"),
            (["classify", "--model=", "-"], "--model NAME"),
            (["--home", "", "review", "list"], "--home DIR"),
            (["review", "label", "1", "timer", "--note", ""], "--note TEXT"),
            (["split", "x.csv", "--into", "", "--into", "q.csv=0.5"], "--into FILE=SHARE"),
        ]
        for (arguments, option) in cases {
            let result = try triage.run(arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(
                result.stderr
                    == "triage: error: option '\(option)' needs a value, got an empty one\n")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: triage.path("review")))
    }

    @Test func unknownCommandAndBadValuesAreUsageErrors() throws {
        let triage = try TriageProcess()
        let unknown = try triage.run(["trian"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown command 'trian'"))
        let number = try triage.run(["train", "--data", "x.csv", "--target-accuracy", "high"])
        #expect(number.status == 64)
        #expect(
            number.stderr
                == "triage: error: option '--target-accuracy' needs a number, got 'high'\n")
        let range = try triage.run(["train", "--data", "x.csv", "--target-accuracy", "1.5"])
        #expect(range.status == 64)
        #expect(range.stderr.contains("target accuracy must be in (0, 1]"))
        let choice = try triage.run(["classify", "--format", "xml"])
        #expect(choice.status == 64)
        #expect(choice.stderr.contains("must be one of json, csv, table"))
        let extra = try triage.run(["review", "show", "1", "2"])
        #expect(extra.status == 64)
        let missing = try triage.run(["review", "label", "1"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("needs LABEL"))
    }

    @Test func optionsMayComeBeforeOrAfterPositionalsAndHomeWorksAnywhere() throws {
        let triage = try TriageProcess()
        let elsewhere = try TriageProcess()
        let train = try Slices.clinc("train.csv", labels: ["timer", "translate"], perLabel: 40)
        let path = try triage.write("train.csv", Slices.csv(train))

        // --home before the command, the data option after it.
        let trained = try triage.run(["--home", elsewhere.home.path, "train", "-q", "--data", path])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(FileManager.default.fileExists(atPath: elsewhere.path("models/default/CURRENT")))
        #expect(!FileManager.default.fileExists(atPath: triage.path("models")))

        let input = try triage.write("in.txt", "set a timer\n")
        let after = try triage.run(["classify", input, "--dry-run", "--home", elsewhere.home.path])
        let before = try triage.run([
            "classify", "--home=\(elsewhere.home.path)", "--dry-run", input,
        ])
        #expect(after.status == 0 && before.status == 0)
        #expect(after.stdout == before.stdout)
        #expect(after.stdout.contains("\"label\":\"timer\""))
    }
}
