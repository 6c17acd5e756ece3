import Foundation
import Testing

/// Tabular columns end to end: numeric and categorical columns derived from the real
/// SMS Spam Collection, with missing values, and an unseen category at prediction.
@Suite struct TabularTests {
    /// One row per message: its length and digit count (numeric, length sometimes
    /// missing), what kind of contact it carries (categorical), and the label.
    private func tabularRows(every step: Int, offset: Int) throws -> [[String]] {
        let text = try String(
            contentsOfFile: TriageProcess.data("sms_spam/sms_spam.tsv"), encoding: .utf8)
        var rows: [[String]] = []
        for (index, line) in text.split(separator: "\n").dropFirst().enumerated()
        where index % step == offset {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let message = parts[1]
            let digits = message.filter(\.isNumber).count
            let contact =
                message.lowercased().contains("www.") || message.contains("http")
                ? "link" : (digits >= 10 ? "phone" : "none")
            let length = index % 17 == 0 ? "" : String(message.count)
            rows.append([length, String(digits), contact, parts[0]])
        }
        return rows
    }

    private func csv(_ rows: [[String]]) -> String {
        "length,digits,contact,label\n" + rows.map { $0.joined(separator: ",") + "\n" }.joined()
    }

    @Test func numericAndCategoricalColumnsTrainClassifyAndEvaluate() throws {
        let triage = try TriageProcess()
        let train = try triage.write("train.csv", csv(try tabularRows(every: 2, offset: 0)))
        let test = try triage.write("test.csv", csv(try tabularRows(every: 2, offset: 1)))

        // Columns are typed from the data: two numeric, one categorical.
        let trained = try triage.run(["train", "--data", train, "--class-weight", "balanced"])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(
            trained.stdout.contains(
                "inputs: length (numeric), digits (numeric), contact (categorical)"))

        // Evaluated on the other half, it finds spam from counts alone.
        let evaluated = try triage.run(["evaluate", "--data", test, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let figures = try #require(try evaluated.jsonLines().first)
        let accuracy = try #require(figures["accuracy"] as? Double)
        #expect(accuracy > 0.93, "accuracy \(accuracy)")
        let perLabel = try #require(figures["per_label"] as? [[String: Any]])
        let spam = try #require(perLabel.first { $0["label"] as? String == "spam" })
        #expect((spam["recall"] as? Double ?? 0) > 0.7)

        // Prediction copes with a missing number, an unreadable one and an unseen
        // category; none of them is fatal.
        let odd = try triage.write(
            "odd.csv",
            """
            length,digits,contact
            ,14,phone
            150,many,email
            30,0,none

            """)
        let classified = try triage.run(["classify", odd, "--dry-run"])
        #expect(classified.status == 0, "\(classified.stderr)")
        let decisions = try classified.jsonLines()
        #expect(decisions.count == 3)
        #expect(decisions[2]["label"] as? String == "ham")

        // A deferred row is queued with every column, readable by a reviewer.
        let queued = try triage.run(["classify", odd])
        #expect(queued.status == 0)
        if let id = try queued.jsonLines().compactMap({ $0["case"] as? Int }).first {
            let shown = try triage.run(["review", "show", String(id), "--json"])
            let input = try #require(try shown.jsonLines().first?["input"] as? String)
            #expect(input.contains("\"contact\":"))
            #expect(input.contains("\"digits\":"))
        }

        // A file without the model's columns is refused, naming them.
        let wrong = try triage.write("wrong.csv", "size,label\n3,ham\n")
        let refused = try triage.run(["classify", wrong])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("no column \"length\", \"digits\", \"contact\""))
    }

    @Test func forcedKindsAndMixedTextAndNumbers() throws {
        let triage = try TriageProcess()
        let text = try String(
            contentsOfFile: TriageProcess.data("sms_spam/sms_spam.tsv"), encoding: .utf8)
        var rows = "message,digits,label\n"
        for line in text.split(separator: "\n").dropFirst().prefix(1500) {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let quoted = "\"" + parts[1].replacingOccurrences(of: "\"", with: "\"\"") + "\""
            rows += "\(quoted),\(parts[1].filter(\.isNumber).count),\(parts[0])\n"
        }
        let train = try triage.write("mixed.csv", rows)

        let trained = try triage.run(["train", "--data", train, "--categorical", "digits"])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("inputs: message (text), digits (categorical)"))

        let conflicting = try triage.run([
            "train", "--data", train, "--text", "digits", "--numeric", "digits",
        ])
        #expect(conflicting.status == 64)
        let notNumbers = try triage.run(["train", "--data", train, "--numeric", "message"])
        #expect(notNumbers.status == 1)
        #expect(notNumbers.stderr.contains("mixed.csv:2: column \"message\" is numeric but"))
    }
}
