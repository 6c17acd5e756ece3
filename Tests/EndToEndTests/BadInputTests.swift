import Foundation
import Testing

/// Bad input gets one clear line and a non-zero exit, and changes nothing on disk.
@Suite struct BadInputTests {
    /// A home with a trained model and one queued case, ready to be left untouched.
    private func preparedHome() throws -> TriageProcess {
        let triage = try TriageProcess()
        let train = try Slices.clinc(
            "train.csv", labels: ["timer", "translate", "payday"], perLabel: 40)
        let path = try triage.write("train.csv", Slices.csv(train))
        #expect(try triage.run(["train", "-q", "--data", path]).status == 0)
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 40)
        let queued = try triage.run(
            ["classify", "-"], stdin: outOfScope.map { $0.text + "\n" }.joined())
        #expect(queued.status == 0)
        #expect(queued.stdout.contains("\"deferred\""))
        return triage
    }

    private func expectFailure(
        _ triage: TriageProcess, _ arguments: [String], mentions fragments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = triage.snapshot()
        let result = try triage.run(arguments)
        #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("triage: error: "), sourceLocation: sourceLocation)
        #expect(
            result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)",
            sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation
            )
        }
        #expect(triage.snapshot() == before, "files changed", sourceLocation: sourceLocation)
    }

    @Test func emptyFile() throws {
        let triage = try preparedHome()
        let path = try triage.write("empty.csv", "")
        try expectFailure(triage, ["train", "--data", path], mentions: ["empty.csv", "empty"])
    }

    @Test func headerOnlyFile() throws {
        let triage = try preparedHome()
        let path = try triage.write("header.csv", "text,label\n")
        try expectFailure(
            triage, ["train", "--data", path], mentions: ["header.csv", "no examples"])
    }

    @Test func missingLabelColumn() throws {
        let triage = try preparedHome()
        let path = try triage.write("nolabel.csv", "text,intent\nhello,greeting\n")
        try expectFailure(
            triage, ["train", "--data", path],
            mentions: ["nolabel.csv", "no column \"label\"", "\"intent\"", "--label"])
    }

    @Test func raggedRow() throws {
        let triage = try preparedHome()
        let path = try triage.write("ragged.csv", "text,label\nhello,greeting\nhi,greeting,extra\n")
        try expectFailure(
            triage, ["train", "--data", path], mentions: ["ragged.csv:3:", "3 fields"])
    }

    @Test func invalidUTF8() throws {
        let triage = try preparedHome()
        let path = try triage.write(
            "latin1.csv",
            bytes: Array("text,label\nhello,greeting\ncaf".utf8) + [0xe9] + Array(",x\n".utf8))
        try expectFailure(
            triage, ["train", "--data", path], mentions: ["latin1.csv:3:4", "UTF-8"])
        try expectFailure(triage, ["classify", path], mentions: ["latin1.csv:3:4", "UTF-8"])
    }

    @Test func missingFile() throws {
        let triage = try preparedHome()
        try expectFailure(
            triage, ["train", "--data", triage.path("nowhere.csv")],
            mentions: ["nowhere.csv", "No such file"])
    }

    @Test func unknownModel() throws {
        let triage = try preparedHome()
        let input = try triage.write("in.txt", "hello\n")
        try expectFailure(
            triage, ["classify", "--model", "nosuch", input],
            mentions: ["no model named \"nosuch\"", "known models: default"])
        try expectFailure(triage, ["retrain", "--model", "nosuch"], mentions: ["nosuch"])
    }

    @Test func unknownLabelAndUnknownCase() throws {
        let triage = try preparedHome()
        let pending = try triage.run(["review", "list", "--json"]).jsonLines()
        let id = try #require(pending.first?["id"] as? Int)
        try expectFailure(
            triage, ["review", "label", String(id), "timr"],
            mentions: ["has no label \"timr\"", "did you mean \"timer\"", "--new-label"])
        try expectFailure(
            triage, ["review", "label", "9999", "timer"], mentions: ["no review case 9999"])

        // A real answer works once; a second answer is refused.
        #expect(try triage.run(["review", "label", String(id), "timer"]).status == 0)
        try expectFailure(
            triage, ["review", "label", String(id), "payday"], mentions: ["already answered"])
    }

    @Test func corruptQueueDatabase() throws {
        let triage = try preparedHome()
        try triage.write(
            "review/queue.sqlite", "this is not a database, it is a text file of some length\n")
        try expectFailure(triage, ["review", "list"], mentions: ["queue.sqlite"])
        let input = try triage.write("in.txt", "hello\n")
        try expectFailure(triage, ["classify", input], mentions: ["queue.sqlite"])
    }

    @Test func damagedWeightsAreRefused() throws {
        let triage = try preparedHome()
        let weights = triage.path("models/default/versions/1/weights.bin")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: weights))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: weights))
        let input = try triage.write("in.txt", "hello\n")
        try expectFailure(triage, ["classify", input], mentions: ["weights.bin", "checksum"])
    }

    @Test func nonPositiveWeight() throws {
        let triage = try preparedHome()
        let path = try triage.write(
            "weighted.csv", "text,label,w\nset a timer,timer,2\nwhat is my payday,payday,0\n")
        try expectFailure(
            triage, ["train", "--data", path, "--weight", "w"],
            mentions: ["weighted.csv:3:", "weight in column \"w\" is not a positive number"])
    }

    @Test func singleLabelTrainingData() throws {
        let triage = try preparedHome()
        let path = try triage.write("one.csv", "text,label\nhello,greeting\nhi,greeting\n")
        try expectFailure(
            triage, ["train", "--data", path, "--model", "other"], mentions: ["at least two"])
    }
}
