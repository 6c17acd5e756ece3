import Foundation
import Testing

@testable import TriageKit

/// Training input read from files: what it reads, and what it tells the user.
@Suite struct TrainingInputTests {
    /// A labelled CSV file in `folder`, 10 rows of two labels.
    private func write(_ name: String, in folder: TemporaryFolder) throws -> String {
        let path = folder.path + "/" + name
        let rows = (0..<10).map { "text \($0),\($0 % 2 == 0 ? "even" : "odd")\n" }
        try ("text,label\n" + rows.joined()).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aTrainingFileGivenTwiceIsNoted() throws {
        let folder = try TemporaryFolder()
        let data = try write("a.csv", in: folder)
        let copy = try write("copy.csv", in: folder)
        let settings = TrainingSettings()

        let once = try TrainingInput.fromFiles(
            data: [data], calibration: [], labelColumn: "label", settings: settings)
        #expect(once.notes.isEmpty)

        // The same path twice, and the same content under another name.
        let twice = try TrainingInput.fromFiles(
            data: [data, data, copy], calibration: [], labelColumn: "label", settings: settings)
        #expect(
            twice.notes == [
                "\(data) is given twice as training data, so each of its examples counts twice "
                    + "in training",
                "\(copy) holds the same data as \(data), so each of its examples counts twice "
                    + "in training",
            ])
        #expect(twice.training.count + twice.calibration.count == 30)

        // With a calibration file, the notes keep company with its own.
        let calibrated = try TrainingInput.fromFiles(
            data: [data, data], calibration: [copy], labelColumn: "label", settings: settings)
        #expect(calibrated.notes.count == 2)
        #expect(calibrated.notes.last?.hasPrefix("\(copy) is also training data") == true)
    }

    @Test func aMissingInputColumnNamesTheOptionThatChoseIt() throws {
        let folder = try TemporaryFolder()
        let data = try write("a.csv", in: folder)
        let error = #expect(throws: TriageError.self) {
            try TrainingInput.fromFiles(
                data: [data], calibration: [], labelColumn: "label", inputColumns: ["nosuch"],
                settings: TrainingSettings())
        }
        #expect(
            error?.description
                == "\(data): no column \"nosuch\"; the columns are \"text\", \"label\"; "
                + "name the column with --columns")
    }
}
