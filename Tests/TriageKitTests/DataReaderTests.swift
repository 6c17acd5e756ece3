import Foundation
import Synchronization
import Testing

@testable import TriageKit

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Helpers

/// Where a reader says a problem is (Testing has a `SourceLocation` of its own).
private typealias Location = TriageKit.SourceLocation

/// The read sizes every in-memory input is parsed with: whole, and cut at every
/// byte or at awkward strides, so records, CRLF pairs, quotes, UTF-8 sequences and
/// the byte-order mark all get split across reads.
private let chunkSizes = [64 * 1024, 1, 2, 3, 5]

/// Everything a reader produced from one input.
private struct ReadResult: Equatable {
    var columns: [String]
    var rows: [Row]

    var cells: [[String?]] { rows.map(\.cells) }
    var lines: [Int] { rows.map(\.line) }
}

/// Writes `bytes` (under 64 KiB, so the pipe never blocks) into a pipe, closes its
/// write end and returns the read end.
private func pipeHolding(_ bytes: [UInt8]) -> Int32 {
    var ends: [Int32] = [0, 0]
    precondition(pipe(&ends) == 0, "pipe failed")
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes {
            write(ends[1], $0.baseAddress, $0.count)
        }
        precondition(count > 0, "write to pipe failed")
        written += count
    }
    close(ends[1])
    return ends[0]
}

/// Reads `bytes` through a pipe with one read size, batch by batch.
private func readOnce(
    _ bytes: [UInt8], _ format: TableFormat, chunkSize: Int, maxRows: Int = 1000
) throws -> ReadResult {
    let descriptor = pipeHolding(bytes)
    defer { close(descriptor) }
    let reader = try TableReader(
        fileDescriptor: descriptor, source: "input", format: format, chunkSize: chunkSize)
    var rows: [Row] = []
    while let batch = try reader.nextBatch(maxRows: maxRows) {
        for row in batch { #expect(row.cells.count == reader.columns.count) }
        rows.append(contentsOf: batch)
    }
    let width = reader.columns.count
    for index in rows.indices where rows[index].cells.count < width {
        rows[index].cells += [String?](repeating: nil, count: width - rows[index].cells.count)
    }
    return ReadResult(columns: reader.columns, rows: rows)
}

/// Reads `bytes` with every read size in `chunkSizes` and checks they all agree.
private func read(_ bytes: [UInt8], _ format: TableFormat) throws -> ReadResult {
    let whole = try readOnce(bytes, format, chunkSize: chunkSizes[0])
    for size in chunkSizes.dropFirst() {
        let cut = try readOnce(bytes, format, chunkSize: size)
        #expect(cut == whole, "read size \(size) disagrees with one read")
    }
    return whole
}

private func read(_ text: String, _ format: TableFormat) throws -> ReadResult {
    try read(Array(text.utf8), format)
}

/// The error reading `bytes` fails with; the same with every read size.
private func readError(
    _ bytes: [UInt8], _ format: TableFormat,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> TriageError? {
    var first: TriageError?
    for size in chunkSizes {
        do {
            _ = try readOnce(bytes, format, chunkSize: size)
            Issue.record("no error with read size \(size)", sourceLocation: sourceLocation)
            return nil
        } catch let error as TriageError {
            if let first {
                #expect(error.description == first.description, sourceLocation: sourceLocation)
            } else {
                first = error
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
    #expect(first?.code == .invalidData, sourceLocation: sourceLocation)
    return first
}

private func readError(
    _ text: String, _ format: TableFormat,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> TriageError? {
    readError(Array(text.utf8), format, sourceLocation: sourceLocation)
}

/// A fresh temporary directory, removed by the caller.
private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("triage-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The package root, where `data/` lives: three levels above this file.
private let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

// MARK: - CSV

@Suite struct CSVReaderTests {
    @Test func quotedFieldsHoldCommasAndDoubledQuotes() throws {
        let result = try read(
            "text,label\n\"hello, world\",greet\n\"she said \"\"hi\"\"\",quote\n\"\",empty\n",
            .csv)
        #expect(result.columns == ["text", "label"])
        #expect(
            result.cells == [
                ["hello, world", "greet"],
                ["she said \"hi\"", "quote"],
                ["", "empty"],
            ])
        #expect(result.lines == [2, 3, 4])
    }

    @Test func quotedFieldSpansLinesAndLaterRowsCountThem() throws {
        let result = try read(
            "text,label\n\"line one\nline two\",a\nnext,b\n\"x\r\ny\",c\r\nlast,d\n", .csv)
        #expect(
            result.cells == [
                ["line one\nline two", "a"],
                ["next", "b"],
                ["x\r\ny", "c"],
                ["last", "d"],
            ])
        #expect(result.lines == [2, 4, 5, 7])
    }

    @Test func crlfLineEndsAreRemoved() throws {
        let result = try read("text,label\r\nfoo,bar\r\n\"q\",z\r\n", .csv)
        #expect(result.columns == ["text", "label"])
        #expect(result.cells == [["foo", "bar"], ["q", "z"]])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let result = try read("\u{FEFF}text,label\nx,y\n", .csv)
        #expect(result.columns == ["text", "label"])
        #expect(result.cells == [["x", "y"]])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        let result = try read("\ntext,label\n\nfoo,bar\n\r\n\nbaz,qux\n\n", .csv)
        #expect(result.columns == ["text", "label"])
        #expect(result.cells == [["foo", "bar"], ["baz", "qux"]])
        #expect(result.lines == [4, 7])
    }

    @Test func quoteInsideUnquotedFieldIsText() throws {
        let result = try read("text,label\nsay \"hi\" now,a\"b\"\n", .csv)
        #expect(result.cells == [["say \"hi\" now", "a\"b\""]])
    }

    @Test func lastRecordNeedsNoLineEndAndEmptyFieldsCount() throws {
        let result = try read("a,b,c\n,,\nx,,\n1,2,\"3\"", .csv)
        #expect(result.cells == [["", "", ""], ["x", "", ""], ["1", "2", "3"]])
    }

    @Test func loneCarriageReturnIsText() throws {
        let result = try read("text,label\na\rb,c\n", .csv)
        #expect(result.cells == [["a\rb", "c"]])
    }

    @Test func headerWithoutRowsGivesNoRows() throws {
        let result = try read("text,label\r\n", .csv)
        #expect(result.columns == ["text", "label"])
        #expect(result.rows.isEmpty)
    }

    @Test func rowWithExtraFieldPointsAtIt() throws {
        let error = readError("text,label\nfoo,bar\nhello,world,extra\n", .csv)
        #expect(
            error?.description
                == "input:3:13: row has 3 fields but the header has 2; "
                + "quote fields that contain commas")
        #expect(error?.location == Location(file: "input", line: 3, column: 13))
    }

    @Test func rowWithMissingFieldPointsAtLineEnd() throws {
        let error = readError("text,label\nlonely\r\n", .csv)
        #expect(
            error?.description
                == "input:2:7: row has 1 field but the header has 2; "
                + "give every column a value, empty if need be")
    }

    @Test func raggedRowAfterMultiLineFieldPointsAtTheRightLine() throws {
        let error = readError("text,label\n\"a\nb\",c,\"d\"\n", .csv)
        #expect(error?.location == Location(file: "input", line: 3, column: 6))
    }

    @Test func unterminatedQuoteNamesWhereTheFieldStarted() throws {
        let error = readError("text,label\nok,1\nbad,\"never closed\nmore text\n", .csv)
        #expect(
            error?.description
                == "input:3:5: quoted field is not closed before the end of the file; "
                + "close the quote, or write a quote inside it as two quotes (\"\")")
    }

    @Test func textAfterClosingQuoteIsAnError() throws {
        let error = readError("text,label\n\"abc\"d,x\n", .csv)
        #expect(
            error?.description
                == "input:2:6: unexpected text after a closing quote; "
                + "write a quote inside a quoted field as two quotes (\"\")")
        let beforeCR = readError("text,label\nx,\"abc\"\rz\n", .csv)
        #expect(beforeCR?.location == Location(file: "input", line: 2, column: 8))
    }

    @Test func invalidUTF8NamesLineAndCharacterColumn() throws {
        // "café," is 5 characters but 6 bytes: the column counts characters.
        let bytes = Array("text,label\nok,1\ncafé,\"x".utf8) + [0xFF] + Array("y\"\n".utf8)
        let error = readError(bytes, .csv)
        #expect(
            error?.description
                == "input:3:8: invalid UTF-8; convert the file to UTF-8, for example with iconv")
    }

    @Test func invalidUTF8InHeaderAndInLaterLineOfField() throws {
        let header = readError(Array("te".utf8) + [0xC3] + Array("xt,label\n".utf8), .csv)
        #expect(header?.location == Location(file: "input", line: 1, column: 3))
        let field = readError(
            Array("text,label\n\"one\ntwo ".utf8) + [0xE2, 0x82] + Array("\",x\n".utf8), .csv)
        #expect(field?.location == Location(file: "input", line: 3, column: 5))
    }

    @Test func duplicateHeaderNameIsAnError() throws {
        let error = readError("text,label,text\nx,y,z\n", .csv)
        #expect(
            error?.description
                == "input:1:12: column \"text\" appears twice in the header (fields 1 and 3); "
                + "give every column a unique name")
    }

    @Test func emptyHeaderNameIsAnError() throws {
        let error = readError("text,,label\n", .csv)
        #expect(
            error?.description
                == "input:1:6: header field 2 has no name; give every column a name")
    }

    @Test(arguments: ["", "\u{FEFF}", "\n\r\n\n"])
    func fileWithoutHeaderIsEmpty(text: String) throws {
        let error = readError(text, .csv)
        #expect(error?.description == "input: file is empty; expected a header row")
        #expect(error?.location == Location(file: "input"))
    }

    @Test func errorsNameTheFieldNotItsContents() throws {
        let secret = "secret-text"
        let inputs =
            [
                "text,label\n\(secret),\(secret),\(secret)\n",
                "text,label\n\"\(secret)\"\(secret),x\n",
                "text,label\n\"\(secret)\n",
                "text,label\n\(secret)\n",
            ].map { Array($0.utf8) } + [Array("text,label\n\(secret) ".utf8) + [0xFF, 0x0A]]
        for input in inputs {
            let error = readError(input, .csv)
            #expect(error != nil)
            #expect(error?.description.contains(secret) == false)
        }
    }

    @Test func fixtureFileReadsThroughTableRead() throws {
        let fixtures = try #require(
            Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let path = fixtures.appendingPathComponent("quoting.csv").path
        let table = try Table.read(path: path)
        #expect(table.source == path)
        #expect(table.columns == ["text", "label"])
        #expect(
            table.rows == [
                Row(cells: ["Hello, world", "greeting"], line: 2),
                Row(cells: ["She said \"hi\"\r\nand left", "quote"], line: 3),
                Row(cells: ["plain text", "other"], line: 6),
            ])
    }
}

// MARK: - TSV

@Suite struct TSVReaderTests {
    @Test func quotesAreLiteralText() throws {
        // Line 284 of sms_spam.tsv, verbatim.
        let message =
            "\"Wen u miss someone, the person is definitely special for u..... "
            + "But if the person is so special, why to miss them, just Keep-in-touch\" gdeve.."
        let result = try read(
            "Label\tSMS\nham\t\(message)\nspam\t\"unclosed, \"\"doubled\"\"\n", .tsv)
        #expect(result.columns == ["Label", "SMS"])
        #expect(
            result.cells == [
                ["ham", message],
                ["spam", "\"unclosed, \"\"doubled\"\""],
            ])
    }

    @Test func crlfBomBlankLinesAndEmptyFields() throws {
        let result = try read(
            "\u{FEFF}a\tb\tc\r\n\r\nx\t\ty\r\n\t\t\r\n\n1\t2\t3", .tsv)
        #expect(result.columns == ["a", "b", "c"])
        #expect(result.cells == [["x", "", "y"], ["", "", ""], ["1", "2", "3"]])
        #expect(result.lines == [3, 4, 6])
    }

    @Test func raggedRowPointsAtExtraField() throws {
        let error = readError("a\tb\nx\ty\tz\n", .tsv)
        #expect(
            error?.description
                == "input:2:5: row has 3 fields but the header has 2; "
                + "remove tabs from inside fields")
        let short = readError("a\tb\nxyz\n", .tsv)
        #expect(short?.location == Location(file: "input", line: 2, column: 4))
    }

    @Test func invalidUTF8AndDuplicateHeader() throws {
        let bad = readError(Array("a\tb\nxé\t".utf8) + [0x80] + Array("\n".utf8), .tsv)
        #expect(bad?.location == Location(file: "input", line: 2, column: 4))
        let duplicate = readError("a\tb\ta\n", .tsv)
        #expect(duplicate?.location == Location(file: "input", line: 1, column: 5))
        #expect(readError("", .tsv)?.message == "file is empty; expected a header row")
    }
}

// MARK: - JSON Lines

@Suite struct JSONLinesReaderTests {
    @Test func scalarsBecomeText() throws {
        let result = try read(
            #"{"text":"h\u00e9\"llo","n":3,"x":2.5,"ok":true,"no":false,"z":null}"#
                + "\n" + #"{"text":"b","n":3.0,"x":-0.5,"ok":1e3,"no":12345678901234567890}"#,
            .jsonLines)
        #expect(result.columns == ["text", "n", "x", "ok", "no", "z"])
        #expect(
            result.cells == [
                ["hé\"llo", "3", "2.5", "true", "false", nil],
                ["b", "3", "-0.5", "1000", "12345678901234567890", nil],
            ])
    }

    @Test func columnsAreTheUnionOfKeysInOrderOfFirstAppearance() throws {
        let text = """
            {"text":"a","label":"x"}
            {"label":"y","text":"b"}
            {"text":"c"}
            {"text":"d","label":"z","source":"web"}
            {"zeta":1,"alpha":2}
            """
        let result = try read(text, .jsonLines)
        #expect(result.columns == ["text", "label", "source", "zeta", "alpha"])
        #expect(
            result.cells == [
                ["a", "x", nil, nil, nil],
                ["b", "y", nil, nil, nil],
                ["c", nil, nil, nil, nil],
                ["d", "z", "web", nil, nil],
                [nil, nil, nil, "1", "2"],
            ])
        #expect(result.lines == [1, 2, 3, 4, 5])
    }

    @Test func earlierBatchesKeepTheirWidthAndReadAsNil() throws {
        let text =
            "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"c\"}\n"
            + "{\"text\":\"d\",\"label\":\"z\"}\n"
        let descriptor = pipeHolding(Array(text.utf8))
        defer { close(descriptor) }
        let reader = try TableReader(
            fileDescriptor: descriptor, source: "input", format: .jsonLines)
        #expect(reader.columns.isEmpty)

        let first = try #require(try reader.nextBatch(maxRows: 2))
        #expect(reader.columns == ["text"])
        #expect(first.map(\.cells) == [["a"], ["b"]])

        // The new key arrives in the second batch: its rows are padded to the new width.
        let second = try #require(try reader.nextBatch(maxRows: 2))
        #expect(reader.columns == ["text", "label"])
        #expect(second.map(\.cells) == [["c", nil], ["d", "z"]])
        #expect(first[0].cell(at: 1) == nil)
        #expect(first[0].cell(at: 0) == "a")
        #expect(try reader.nextBatch(maxRows: 2) == nil)
    }

    @Test func blankLinesCrlfAndBomAreSkipped() throws {
        let result = try read(
            "\u{FEFF}{\"a\":\"1\"}\r\n\r\n   \t\n{\"a\":\"2\"}\r\n\n", .jsonLines)
        #expect(result.cells == [["1"], ["2"]])
        #expect(result.lines == [1, 4])
    }

    @Test func nestedValuesBecomeTheirJSONText() throws {
        let result = try read(
            "{\"text\":\"a\",\"meta\":{\"z\":1,\"a\":[true,null,\"x/y\"]}}\n", .jsonLines)
        #expect(result.columns == ["text", "meta"])
        #expect(result.cells == [["a", #"{"a":[true,null,"x/y"],"z":1}"#]])
    }

    @Test func largeIntegersKeepEveryDigit() throws {
        let result = try read(
            "{\"a\":12345678901234567890,\"b\":-12345678901234567891,\"c\":3.0,\"d\":2.5}\n",
            .jsonLines)
        #expect(result.cells == [["12345678901234567890", "-12345678901234567891", "3", "2.5"]])
    }

    @Test func lineThatIsNotAnObjectIsAnError() throws {
        let array = readError("{\"a\":1}\n[1,2]\n", .jsonLines)
        #expect(
            array?.description
                == "input:2:1: line is JSON but not an object; write one JSON object per line")
        let string = readError("  \"just text\"\n", .jsonLines)
        #expect(string?.location == Location(file: "input", line: 1, column: 3))
        let broken = readError("{\"a\":1}\n\n{\"a\": \n", .jsonLines)
        #expect(
            broken?.description
                == "input:3: line is not valid JSON; write one JSON object per line")
        let trailing = readError("{\"a\":1} {\"b\":2}\n", .jsonLines)
        #expect(trailing?.location == Location(file: "input", line: 1))
    }

    @Test func invalidUTF8HasAColumn() throws {
        let error = readError(
            Array("{\"a\":\"é".utf8) + [0xC0, 0xAF] + Array("\"}\n".utf8),
            .jsonLines)
        #expect(error?.location == Location(file: "input", line: 1, column: 8))
    }

    @Test func emptyInputHasNoColumnsAndNoRows() throws {
        let result = try read("\n\n", .jsonLines)
        #expect(result.columns.isEmpty)
        #expect(result.rows.isEmpty)
    }
}

// MARK: - Lines

@Suite struct LinesReaderTests {
    @Test func eachNonBlankLineIsOneRow() throws {
        let result = try read(
            "\u{FEFF}first\r\n\r\n   \r\nsecond \"quoted\", with comma\n\tthird \n\u{3000}\nlast",
            .lines)
        #expect(result.columns == ["text"])
        #expect(
            result.cells == [
                ["first"], ["second \"quoted\", with comma"], ["\tthird "], ["last"],
            ])
        #expect(result.lines == [1, 4, 5, 7])
    }

    @Test func invalidUTF8() throws {
        let error = readError(Array("ok\nab".utf8) + [0xFE] + Array("\n".utf8), .lines)
        #expect(error?.location == Location(file: "input", line: 2, column: 3))
    }

    @Test func emptyInputHasNoRows() throws {
        let result = try read("", .lines)
        #expect(result.columns == ["text"])
        #expect(result.rows.isEmpty)
    }
}

// MARK: - Files

@Suite struct TableFileTests {
    @Test func missingFileIsAnIOErrorWithTheSystemReason() throws {
        let path = "/nonexistent-triage-dir/data.csv"
        do {
            _ = try Table.read(path: path)
            Issue.record("no error")
        } catch let error as TriageError {
            #expect(error.code == .io)
            #expect(error.description == "\(path): cannot open: No such file or directory")
        }
    }

    @Test func directoryIsAnIOError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try Table.read(path: directory.path, format: .lines)
            Issue.record("no error")
        } catch let error as TriageError {
            #expect(error.code == .io)
            #expect(error.description == "\(directory.path): cannot read: Is a directory")
        }
    }

    @Test func formatIsInferredFromTheExtension() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = [
            ("a.tsv", "x\ty\n\"1\t2\n"),
            ("a.jsonl", "{\"x\":\"1\",\"y\":2}\n"),
            ("a.txt", "x,y\n"),
        ]
        var tables: [String: Table] = [:]
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            tables[name] = try Table.read(path: url.path)
        }
        #expect(tables["a.tsv"]?.rows.map(\.cells) == [["\"1", "2"]])
        #expect(tables["a.jsonl"]?.rows.map(\.cells) == [["1", "2"]])
        #expect(tables["a.txt"]?.columns == ["text"])
        #expect(tables["a.txt"]?.rows.map(\.cells) == [["x,y"]])
    }

    @Test func batchesNeverExceedMaxRows() throws {
        let text = (1...5).map { "line \($0)" }.joined(separator: "\n")
        let descriptor = pipeHolding(Array(text.utf8))
        defer { close(descriptor) }
        let reader = try TableReader(
            fileDescriptor: descriptor, source: "-", format: .lines)
        var sizes: [Int] = []
        while let batch = try reader.nextBatch(maxRows: 2) { sizes.append(batch.count) }
        #expect(sizes == [2, 2, 1])
    }
}

// MARK: - Streaming

/// A flag another thread can set.
private final class Flag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// Writes `pieces` to `descriptor` one `write` each, pausing after each, then closes it.
private func writePieces(_ pieces: [[UInt8]], to descriptor: Int32, pause: useconds_t) {
    for piece in pieces {
        var written = 0
        while written < piece.count {
            let count = piece[written...].withUnsafeBytes {
                write(descriptor, $0.baseAddress, $0.count)
            }
            precondition(count > 0, "write to pipe failed")
            written += count
        }
        usleep(pause)
    }
    close(descriptor)
}

@Suite struct StreamingTests {
    @Test func rowIsReturnedAsSoonAsItIsComplete() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let writeEnd = ends[1]
        let gotFirstRow = DispatchSemaphore(value: 0)
        let writerDone = DispatchSemaphore(value: 0)
        let timedOut = Flag()

        // The writer sends one row, split inside a quoted field, and waits for the
        // reader to see it before sending the next.
        DispatchQueue.global().async {
            writePieces(
                [Array("text,label\n\"hello, wor".utf8), Array("ld\",greet\n".utf8)],
                to: dup(writeEnd), pause: 1000)
            if gotFirstRow.wait(timeout: .now() + 10) == .timedOut { timedOut.set() }
            writePieces([Array("bye,farewell\n".utf8)], to: writeEnd, pause: 0)
            writerDone.signal()
        }

        let reader = try TableReader(fileDescriptor: ends[0], source: "-", format: .csv)
        #expect(reader.columns == ["text", "label"])
        let first = try reader.nextBatch(maxRows: 100)
        gotFirstRow.signal()
        #expect(first == [Row(cells: ["hello, world", "greet"], line: 2)])
        #expect(
            try reader.nextBatch(maxRows: 100)
                == [Row(cells: ["bye", "farewell"], line: 3)])
        #expect(try reader.nextBatch(maxRows: 100) == nil)
        writerDone.wait()
        #expect(!timedOut.isSet, "the reader waited for a full batch")
    }

    @Test func recordsWrittenInSmallPiecesComeOutWhole() throws {
        // Quoted fields with line ends, CRLF, multi-byte characters and a BOM, all
        // cut into pieces of 1 to 7 bytes by a writer on another thread.
        var text = "\u{FEFF}text,label\r\n"
        var expected: [[String?]] = []
        for index in 0..<60 {
            let value = "row \(index): café, \"quoted\"\r\nnext line ✓"
            text += "\"row \(index): café, \"\"quoted\"\"\r\nnext line ✓\",label\(index % 3)\r\n"
            expected.append([value, "label\(index % 3)"])
        }
        let bytes = Array(text.utf8)
        var pieces: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            let length = min(1 + offset % 7, bytes.count - offset)
            pieces.append(Array(bytes[offset..<offset + length]))
            offset += length
        }

        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let writeEnd = ends[1]
        let writerDone = DispatchSemaphore(value: 0)
        let allPieces = pieces
        DispatchQueue.global().async {
            writePieces(allPieces, to: writeEnd, pause: 50)
            writerDone.signal()
        }

        let reader = try TableReader(fileDescriptor: ends[0], source: "-", format: .csv)
        var rows: [Row] = []
        while let batch = try reader.nextBatch(maxRows: 7) { rows.append(contentsOf: batch) }
        writerDone.wait()
        #expect(reader.columns == ["text", "label"])
        #expect(rows.map(\.cells) == expected)
        #expect(rows.map(\.line) == Array(stride(from: 2, to: 122, by: 2)))
    }
}

// MARK: - Shipped data

@Suite struct ShippedDataTests {
    @Test(arguments: [
        ("train.csv", 15_000), ("val.csv", 3_000), ("test.csv", 4_500),
        ("oos_train.csv", 100), ("oos_val.csv", 100), ("oos_test.csv", 1_000),
    ])
    func clinc150(file: String, rows: Int) throws {
        let path = packageRoot.appendingPathComponent("data/clinc150/\(file)").path
        let table = try Table.read(path: path)
        #expect(table.columns == ["text", "label"])
        #expect(table.rows.count == rows)
        #expect(table.rows.last?.line == rows + 1)
        #expect(
            table.rows.allSatisfy { row in
                row.cells.allSatisfy { !($0 ?? "").contains("\r") && !($0 ?? "").isEmpty }
            })
    }

    @Test func clinc150TrainStartsAsPublished() throws {
        let path = packageRoot.appendingPathComponent("data/clinc150/train.csv").path
        let table = try Table.read(path: path)
        #expect(
            table.rows.first?.cells
                == [
                    "what expression would i use to say i love you if i were an italian",
                    "translate",
                ])
        #expect(
            table.rows[1].cells
                == [
                    "can you tell me how to say 'i do not speak much spanish', in spanish",
                    "translate",
                ])
    }

    @Test func smsSpamKeepsLiteralQuotes() throws {
        let path = packageRoot.appendingPathComponent("data/sms_spam/sms_spam.tsv").path
        let table = try Table.read(path: path)
        #expect(table.columns == ["Label", "SMS"])
        #expect(table.rows.count == 5_574)
        let row = try #require(table.rows.first { $0.line == 284 })
        #expect(
            row.cells == [
                "ham",
                "\"Wen u miss someone, the person is definitely special for u..... "
                    + "But if the person is so special, why to miss them, just Keep-in-touch\" gdeve..",
            ])
        #expect(Set(table.rows.compactMap { $0.cells[0] }) == ["ham", "spam"])
    }
}
