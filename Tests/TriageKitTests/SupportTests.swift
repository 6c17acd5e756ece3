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
}
