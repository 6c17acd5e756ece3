import Foundation
import Testing

@testable import TriageKit

@Suite struct SupportTests {
    @Test func errorDescriptionNamesLocationAndRemedy() {
        let error = TriageError(
            .invalidData, "row has 3 fields but the header has 2",
            at: SourceLocation(file: "data.csv", line: 12, column: 5),
            remedy: "quote fields that contain commas")
        #expect(
            error.description
                == "data.csv:12:5: row has 3 fields but the header has 2; quote fields that contain commas"
        )
    }

    @Test func threadSettingIsAWholeNumberOfOneOrMore() {
        #expect(ThreadSetting.count(from: "1") == 1)
        #expect(ThreadSetting.count(from: "16") == 16)
        for bad in ["", "abc", "0", "-1", "1.5", " 2", "2 "] {
            #expect(ThreadSetting.count(from: bad) == nil, "\(bad)")
        }
    }

    @Test func replacingSeveralFilesChangesNoneUntilAllAreWritten() throws {
        let folder = try TemporaryFolder()
        let first = folder.path + "/p.csv"
        let second = folder.path + "/q.csv"
        try FileIO.replace(first, with: Array("old\n".utf8))

        // The second file cannot be written: the first keeps its contents, no
        // temporary file is left, and the error names the file, not its stand-in.
        let missing = folder.path + "/no such folder/q.csv"
        let error = #expect(throws: TriageError.self) {
            try FileIO.replaceAll([first, missing]) { _ in Array("new\n".utf8) }
        }
        #expect(error?.code == .io)
        #expect(error?.description == "\(missing): cannot create: No such file or directory")
        #expect(try FileIO.read(first) == Array("old\n".utf8))
        #expect(FileIO.contents(of: folder.path) == ["p.csv"])

        // A folder in the way is found before anything is written.
        try FileIO.makeDirectories(second)
        let folderError = #expect(throws: TriageError.self) {
            try FileIO.replaceAll([first, second]) { _ in Array("new\n".utf8) }
        }
        #expect(folderError?.description == "\(second): cannot replace a folder with a file")
        #expect(try FileIO.read(first) == Array("old\n".utf8))
        #expect(FileIO.contents(of: folder.path) == ["p.csv", "q.csv"])

        // When every file can be written, every file is replaced.
        FileIO.removeTree(second)
        try FileIO.replaceAll([first, second]) { Array("part \($0)\n".utf8) }
        #expect(try FileIO.read(first) == Array("part 0\n".utf8))
        #expect(try FileIO.read(second) == Array("part 1\n".utf8))
        #expect(FileIO.contents(of: folder.path) == ["p.csv", "q.csv"])
    }
}
