import Foundation
import Testing

/// `triage split` through the built binary: stratified parts, and the mistakes it
/// refuses before writing anything.
@Suite struct SplitCommandTests {
    /// Labelled data: 20 rows of each of two labels.
    private func labelledData(_ triage: TriageProcess) throws -> String {
        let rows = (0..<40).map { "text \($0),\($0 % 2 == 0 ? "even" : "odd")\n" }
        return try triage.write("data.csv", "text,label\n" + rows.joined())
    }

    @Test func sharesMustAddUpToOne() throws {
        let triage = try TriageProcess()
        let data = try labelledData(triage)
        let (p, q, r) = (triage.path("p.csv"), triage.path("q.csv"), triage.path("r.csv"))

        // Too little, and too much: a usage error saying what they add up to.
        let short = try triage.run(["split", data, "--into", "\(p)=0.3", "--into", "\(q)=0.3"])
        #expect(short.status == 64)
        #expect(short.stderr == "triage: error: the shares of --into add up to 0.6, not 1\n")
        let over = try triage.run(["split", data, "--into", "\(p)=0.7", "--into", "\(q)=0.5"])
        #expect(over.status == 64)
        #expect(over.stderr == "triage: error: the shares of --into add up to 1.2, not 1\n")
        #expect(!FileManager.default.fileExists(atPath: p))
        #expect(!FileManager.default.fileExists(atPath: q))

        // Shares rounded to two decimals are close enough.
        let thirds = try triage.run([
            "split", data, "--into", "\(p)=0.33", "--into", "\(q)=0.33", "--into", "\(r)=0.33",
        ])
        #expect(thirds.status == 0, "\(thirds.stderr)")
        let sizes = try [p, q, r].map {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").count - 1
        }
        #expect(sizes.reduce(0, +) == 40)
        #expect(sizes.allSatisfy { (12...15).contains($0) }, "\(sizes)")
    }

    @Test func eachPartNeedsAFileOfItsOwn() throws {
        let triage = try TriageProcess()
        let data = try labelledData(triage)
        let p = triage.path("p.csv")
        let twice = try triage.run(["split", data, "--into", "\(p)=0.5", "--into", "\(p)=0.5"])
        #expect(twice.status == 64)
        #expect(twice.stderr == "triage: error: option '--into' names the file '\(p)' twice\n")

        // Another spelling of the same file is the same file.
        let other = triage.home.path + "/./p.csv"
        let spelled = try triage.run([
            "split", data, "--into", "\(p)=0.5", "--into", "\(other)=0.5",
        ])
        #expect(spelled.status == 64)
        #expect(
            spelled.stderr
                == "triage: error: option '--into' names one file twice: '\(p)' and '\(other)'\n")
        #expect(!FileManager.default.fileExists(atPath: p))
    }

    @Test func aPartThatCannotBeWrittenLeavesTheOthersFilesAlone() throws {
        let triage = try TriageProcess()
        let data = try labelledData(triage)
        let p = try triage.write("p.csv", "kept\n")
        let q = triage.path("no such folder/q.csv")
        let result = try triage.run(["split", data, "--into", "\(p)=0.5", "--into", "\(q)=0.5"])
        #expect(result.status == 1)
        #expect(
            result.stderr == "triage: error: \(q): cannot create: No such file or directory\n")
        #expect(try String(contentsOfFile: p, encoding: .utf8) == "kept\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: triage.home.path).sorted()
                == ["data.csv", "p.csv"])
    }
}
