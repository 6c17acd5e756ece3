/// Reads the rows of a CSV, TSV, JSON Lines or plain-lines file in batches, as they
/// arrive.
///
/// The reader pulls bytes with `read(2)` in 64 KiB chunks and parses them in place,
/// so it suits both large files and pipes:
///
/// ```swift
/// let reader = try TableReader(path: "-", format: .lines)   // standard input
/// while let rows = try reader.nextBatch(maxRows: 256) {
///     for row in rows { classify(row.cells[0]) }
/// }
/// ```
///
/// `nextBatch` returns as soon as one read has completed at least one record, so
/// `tail -f log | triage classify` answers line by line instead of waiting for a
/// full batch.
///
/// Formats (see `TableFormat`):
/// - **CSV**: a header row, then records as RFC 4180 describes: quoted fields may
///   hold commas, line ends (kept as written, CRLF or LF) and `""` for a quote. A
///   quote inside an unquoted field is text; text after a closing quote is an error.
/// - **TSV**: a header row, then one record per line split at tabs, every character
///   taken literally (quotes included); there is no way to escape a tab.
/// - **JSON Lines**: one object per line; keys are columns, in order of first
///   appearance. A string is taken as is, a number in its shortest form (whole
///   numbers without a fraction: `3.0` gives `"3"`), a boolean as `true` or `false`,
///   and `null` as `nil`; a missing key is `nil` too. An array or object
///   becomes its JSON text.
/// - **lines**: no header; each line is one cell of the column `text`.
///
/// In every format a UTF-8 byte-order mark at the start is skipped, lines may end in
/// LF or CRLF (a CR elsewhere is text), and every value must be valid UTF-8. Header
/// names are taken as written; an empty or repeated name is an error.
///
/// Empty lines are skipped in every format, and in `lines` and JSON Lines so are
/// lines of only whitespace; in CSV and TSV such a line is a record. `Row.line`
/// counts skipped lines too: it is always the physical line, from 1, where the
/// record starts (the header is line 1).
///
/// Errors are `TriageError`s located by line and column, the column counting
/// characters. They name the field or key at fault and never quote cell text.
///
/// Not thread-safe: use one reader from one thread at a time.
public final class TableReader {
    /// The path read from, or `-` for standard input.
    public let source: String

    /// How the input is parsed.
    public let format: TableFormat

    /// The column names: the header for CSV and TSV, `["text"]` for lines.
    ///
    /// For JSON Lines the list starts empty and grows, at the end only, as records
    /// with new keys are read. Rows returned by earlier batches keep their shorter
    /// `cells`; read them with `Row.cell(at:)`, which treats a missing trailing cell
    /// as `nil`.
    public private(set) var columns: [String]

    private let input: ByteSource

    /// The physical line, from 1, of the first unconsumed byte.
    private var line = 1

    /// Whether the start of the input has been checked for a byte-order mark.
    private var checkedByteOrderMark = false

    /// How far the line in progress has been searched for its end.
    private var searchedLength = 0

    private var csv = CSVScanner(delimiter: UInt8(ascii: ","))

    /// JSON Lines only: the decoder, and where each key's column is.
    private lazy var json = JSONLineDecoder()
    private var jsonColumnIndex: [String: Int] = [:]

    /// Opens a file, or standard input for `-`, and reads its header.
    ///
    /// Blocks until the header row has arrived (CSV and TSV only).
    ///
    /// - Parameters:
    ///   - path: The file to read; `-` reads standard input.
    ///   - format: The format, or `nil` to infer it from the path's extension with
    ///     `TableFormat.inferred(fromPath:)` (which gives `lines` for `-`).
    /// - Throws: `TriageError.io` when the file cannot be opened or read;
    ///   `TriageError` with code `invalidData` when the header is missing or invalid.
    public convenience init(path: String, format: TableFormat? = nil) throws {
        try self.init(
            input: ByteSource(path: path),
            format: format ?? .inferred(fromPath: path))
    }

    /// Reads from an open file descriptor, such as a pipe, and reads its header.
    ///
    /// The reader does not close `fileDescriptor`; the caller keeps it open while
    /// reading and closes it afterwards.
    ///
    /// - Parameter source: The name used in error messages.
    /// - Throws: As `init(path:format:)`.
    public convenience init(
        fileDescriptor: Int32, source: String, format: TableFormat
    ) throws {
        try self.init(
            fileDescriptor: fileDescriptor, source: source, format: format,
            chunkSize: ByteSource.defaultChunkSize)
    }

    /// As the public initializer, with a custom read size so tests can cut records
    /// at every possible byte.
    convenience init(
        fileDescriptor: Int32, source: String, format: TableFormat, chunkSize: Int
    ) throws {
        let input = ByteSource(
            descriptor: fileDescriptor, source: source, closes: false,
            chunkSize: chunkSize)
        try self.init(input: input, format: format)
    }

    private init(input: ByteSource, format: TableFormat) throws {
        self.input = input
        self.source = input.source
        self.format = format
        switch format {
        case .csv, .tsv:
            columns = []
            columns = try readHeader()
        case .jsonLines:
            columns = []
        case .lines:
            columns = ["text"]
        }
    }

    /// Returns the next rows, at most `maxRows`, or `nil` at the end of the input.
    ///
    /// Parses every complete record already read; if there is none, reads once more
    /// and tries again. It never reads again just to fill the batch, so it may return
    /// fewer than `maxRows` rows before the end. Each returned row has one cell per
    /// column in `columns` at the time of return.
    ///
    /// - Parameter maxRows: The most rows to return; must be positive.
    /// - Throws: `TriageError` with code `invalidData` and the line and column for a
    ///   malformed record; `TriageError.io` when reading fails. After an error the
    ///   reader's position is unspecified; stop reading.
    /// - Complexity: O(*n*) in the bytes parsed.
    public func nextBatch(maxRows: Int) throws -> [Row]? {
        precondition(maxRows > 0, "maxRows must be positive, got \(maxRows)")
        var rows: [Row] = []
        while true {
            // Take the complete records already in the buffer.
            while rows.count < maxRows, let row = try nextRow() {
                rows.append(row)
            }

            // Return what there is; read again only when there is nothing yet.
            if !rows.isEmpty {
                return paddedToColumns(rows)
            }
            if input.reachedEnd { return nil }
            try input.fill()
        }
    }

    // MARK: - Records

    /// What parsing the front of the buffer gave.
    private enum Parsed<Value> {
        /// No complete record: more input is needed, or the input has ended.
        case none
        /// A blank line, now consumed.
        case skipped
        case record(Value)
    }

    /// Parses records from the front of the buffer, passing over blank lines, until
    /// one is complete or the buffered input runs out.
    private func firstComplete<Value>(
        _ parse: (UnsafeBufferPointer<UInt8>, Int) throws -> Parsed<Value>
    ) throws -> Value? {
        guard skipByteOrderMark() else { return nil }
        while true {
            let parsed = try input.bytes.withUnsafeBufferPointer { buffer in
                let base = input.start
                return try parse(UnsafeBufferPointer(rebasing: buffer[base...]), base)
            }
            switch parsed {
            case .none: return nil
            case .skipped: continue
            case .record(let value): return value
            }
        }
    }

    /// The header row of a CSV or TSV file, checked for missing and repeated names.
    private func readHeader() throws -> [String] {
        // Wait for the first record.
        var header = try nextRecord()
        while header == nil && !input.reachedEnd {
            try input.fill()
            header = try nextRecord()
        }
        guard let header else {
            throw TriageError.invalidData(
                "file is empty; expected a header row", at: SourceLocation(file: source))
        }

        // A carriage return inside a header name means the file ends its lines with
        // bare CRs (classic Mac style), which would run every row into one.
        let names = header.values.map { $0 ?? "" }
        if let index = names.firstIndex(where: { $0.contains("\r") }) {
            throw TriageError.invalidData(
                "the header holds a carriage return: lines seem to end in CR alone",
                at: header.location(ofByte: header.fieldStarts[index], in: input),
                remedy: "convert the line ends to LF, for example with `tr '\\r' '\\n'`")
        }

        // Every column needs a name of its own.
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            let location = header.location(ofByte: header.fieldStarts[index], in: input)
            if name.isEmpty {
                throw TriageError.invalidData(
                    "header field \(index + 1) has no name", at: location,
                    remedy: "give every column a name")
            }
            if let first = seen[name] {
                throw TriageError.invalidData(
                    "column \"\(name)\" appears twice in the header "
                        + "(fields \(first + 1) and \(index + 1))",
                    at: location, remedy: "give every column a unique name")
            }
            seen[name] = index
        }
        return names
    }

    /// The next row, if a complete record is in the buffer; `nil` if more input is
    /// needed or the input has ended.
    private func nextRow() throws -> Row? {
        switch format {
        case .csv, .tsv:
            guard let record = try nextRecord() else { return nil }
            try checkFieldCount(record)
            return Row(cells: record.values, line: record.line)
        case .lines:
            return try firstComplete(parseTextLine)
        case .jsonLines:
            return try firstComplete(parseJSONLine)
        }
    }

    /// Fails unless the record has one field per column.
    private func checkFieldCount(_ record: RawRecord) throws {
        let count = record.values.count
        guard count != columns.count else { return }
        let fields = count == 1 ? "1 field" : "\(count) fields"
        let message = "row has \(fields) but the header has \(columns.count)"
        if count > columns.count {
            let firstExtra = record.fieldStarts[columns.count]
            let remedy =
                format == .csv
                ? "quote fields that contain commas"
                : "remove tabs from inside fields"
            throw TriageError.invalidData(
                message, at: record.location(ofByte: firstExtra, in: input),
                remedy: remedy)
        }
        throw TriageError.invalidData(
            message, at: record.location(ofByte: record.end, in: input),
            remedy: "give every column a value, empty if need be")
    }

    /// The next CSV or TSV record in the buffer, skipping empty lines.
    private func nextRecord() throws -> RawRecord? {
        try firstComplete(format == .csv ? parseCSVRecord : parseTSVRecord)
    }

    /// Parses the CSV record at the front of `bytes`, which starts at buffer offset
    /// `base`, and consumes it.
    private func parseCSVRecord(
        _ bytes: UnsafeBufferPointer<UInt8>, base: Int
    ) throws -> Parsed<RawRecord> {
        let recordLine = line
        switch csv.scan(bytes, atEnd: input.reachedEnd) {
        case .needMore, .end:
            return .none
        case .blankLine(let length):
            csv.reset()
            consume(length, newlines: 1)
            return .skipped
        case .textAfterClosingQuote(let offset):
            throw TriageError.invalidData(
                "unexpected text after a closing quote",
                at: Self.location(
                    ofByte: base + offset, recordStart: base, line: recordLine, in: input),
                remedy: "write a quote inside a quoted field as two quotes (\"\")")
        case .unterminatedQuote(let offset):
            throw TriageError.invalidData(
                "quoted field is not closed before the end of the file",
                at: Self.location(
                    ofByte: base + offset, recordStart: base, line: recordLine, in: input),
                remedy: "close the quote, or write a quote inside it as two quotes "
                    + "(\"\")")
        case .record(let length, let lineEnd, let newlines):
            // Turn the field positions into validated strings.
            var values: [String?] = []
            var starts: [Int] = []
            values.reserveCapacity(csv.fields.count)
            starts.reserveCapacity(csv.fields.count)
            for field in csv.fields {
                let text = UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])
                let value =
                    field.hasDoubledQuotes
                    ? Self.undoublingQuotes(text)
                    : String(validating: text, as: UTF8.self)
                guard let value else {
                    let bad = base + field.start + (Self.firstInvalidUTF8(in: text) ?? 0)
                    throw invalidUTF8(at: bad, recordStart: base, line: recordLine)
                }
                values.append(value)
                starts.append(base + field.rawStart)
            }
            csv.reset()
            consume(length, newlines: newlines)
            return .record(
                RawRecord(
                    values: values, line: recordLine, start: base, fieldStarts: starts,
                    end: base + lineEnd))
        }
    }

    /// Parses the TSV record at the front of `bytes`, which starts at buffer offset
    /// `base`, and consumes it.
    private func parseTSVRecord(
        _ bytes: UnsafeBufferPointer<UInt8>, base: Int
    ) throws -> Parsed<RawRecord> {
        let recordLine = line
        guard let (content, length) = nextLineBounds(bytes) else { return .none }
        if content.isEmpty {
            consume(length, newlines: 1)
            return .skipped
        }

        // Split at tabs; every other byte is text.
        var values: [String?] = []
        var starts: [Int] = []
        var fieldStart = 0
        let tab = UInt8(ascii: "\t")
        for index in 0...content.upperBound {
            guard index == content.upperBound || bytes[index] == tab else { continue }
            let text = UnsafeBufferPointer(rebasing: bytes[fieldStart..<index])
            guard let value = String(validating: text, as: UTF8.self) else {
                let bad = base + fieldStart + (Self.firstInvalidUTF8(in: text) ?? 0)
                throw invalidUTF8(at: bad, recordStart: base, line: recordLine)
            }
            values.append(value)
            starts.append(base + fieldStart)
            fieldStart = index + 1
        }
        consume(length, newlines: 1)
        return .record(
            RawRecord(
                values: values, line: recordLine, start: base, fieldStarts: starts,
                end: base + content.upperBound))
    }

    /// Parses the line at the front of `bytes` as one `lines` input and consumes it;
    /// lines of only whitespace are skipped.
    private func parseTextLine(
        _ bytes: UnsafeBufferPointer<UInt8>, base: Int
    ) throws -> Parsed<Row> {
        let recordLine = line
        guard let (content, length) = nextLineBounds(bytes) else { return .none }
        let text = UnsafeBufferPointer(rebasing: bytes[content])
        guard let value = String(validating: text, as: UTF8.self) else {
            let bad = base + (Self.firstInvalidUTF8(in: text) ?? 0)
            throw invalidUTF8(at: bad, recordStart: base, line: recordLine)
        }
        consume(length, newlines: 1)
        if Self.isBlank(value) { return .skipped }
        return .record(Row(cells: [value], line: recordLine))
    }

    /// Parses the line at the front of `bytes` as a JSON object and consumes it;
    /// lines of only whitespace are skipped, and new keys are added to `columns`.
    private func parseJSONLine(
        _ bytes: UnsafeBufferPointer<UInt8>, base: Int
    ) throws -> Parsed<Row> {
        let recordLine = line
        guard let (content, length) = nextLineBounds(bytes) else { return .none }
        let text = UnsafeBufferPointer(rebasing: bytes[content])
        if text.allSatisfy(Self.isJSONWhitespace) {
            consume(length, newlines: 1)
            return .skipped
        }
        if String(validating: text, as: UTF8.self) == nil {
            let bad = base + (Self.firstInvalidUTF8(in: text) ?? 0)
            throw invalidUTF8(at: bad, recordStart: base, line: recordLine)
        }
        let cells = try jsonCells(text, base: base, line: recordLine)
        consume(length, newlines: 1)
        return .record(Row(cells: cells, line: recordLine))
    }

    /// Decodes one JSON object into cells aligned with `columns`, adding new keys.
    private func jsonCells(
        _ text: UnsafeBufferPointer<UInt8>, base: Int, line: Int
    ) throws -> [String?] {
        let pairs: [(String, String?)]
        do {
            pairs = try json.decode(text)
        } catch {
            throw jsonError(error, text, base: base, line: line)
        }
        var cells = [String?](repeating: nil, count: columns.count)
        for (key, value) in pairs {
            if let index = jsonColumnIndex[key] {
                cells[index] = value
            } else {
                jsonColumnIndex[key] = columns.count
                columns.append(key)
                cells.append(value)
            }
        }
        return cells
    }

    private func jsonError(
        _ failure: JSONLineDecoder.Failure, _ text: UnsafeBufferPointer<UInt8>,
        base: Int, line: Int
    ) -> TriageError {
        let oneObject = "write one JSON object per line"
        switch failure {
        case .invalidJSON:
            // TODO: report the column of a JSON syntax error — JSONDecoder does not
            // expose the position its parser stopped at.
            return TriageError.invalidData(
                "line is not valid JSON", at: SourceLocation(file: source, line: line),
                remedy: oneObject)
        case .notAnObject:
            let first = text.firstIndex { !Self.isJSONWhitespace($0) } ?? 0
            return TriageError.invalidData(
                "line is JSON but not an object",
                at: Self.location(
                    ofByte: base + first, recordStart: base, line: line,
                    in: input),
                remedy: oneObject)
        case .unreadableNumber(let key):
            return TriageError.invalidData(
                "key \"\(key)\" holds a number too large to read",
                at: SourceLocation(file: source, line: line),
                remedy: "write the number as a string")
        }
    }

    // MARK: - Bytes

    /// Skips a UTF-8 byte-order mark at the very start of the input; `false` while
    /// too few bytes have arrived to tell.
    private func skipByteOrderMark() -> Bool {
        guard !checkedByteOrderMark else { return true }
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        let head = input.bytes[input.start...].prefix(mark.count)
        if head.elementsEqual(mark) {
            input.consume(mark.count)
        } else if head.count < mark.count, mark.starts(with: head), !input.reachedEnd {
            return false
        }
        checkedByteOrderMark = true
        return true
    }

    /// The content (without CR LF or LF) and full length of the line at the start of
    /// `bytes`; `nil` when its end has not arrived or nothing is left.
    ///
    /// Remembers how far it searched, so a long line arriving in many reads is
    /// searched once.
    private func nextLineBounds(
        _ bytes: UnsafeBufferPointer<UInt8>
    ) -> (content: Range<Int>, length: Int)? {
        let newline = bytes[searchedLength...].firstIndex(of: UInt8(ascii: "\n"))
        var end: Int
        let length: Int
        if let newline {
            end = newline
            length = newline + 1
        } else if input.reachedEnd && !bytes.isEmpty {
            end = bytes.count
            length = bytes.count
        } else {
            searchedLength = bytes.count
            return nil
        }
        searchedLength = 0
        if end > 0 && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return (0..<end, length)
    }

    /// Marks a record or skipped line as read.
    private func consume(_ length: Int, newlines: Int) {
        input.consume(length)
        line += newlines
    }

    /// Rows padded with `nil` cells to the current column count (JSON Lines only
    /// ever needs it: its columns grow).
    private func paddedToColumns(_ rows: [Row]) -> [Row] {
        guard format == .jsonLines else { return rows }
        var rows = rows
        for index in rows.indices where rows[index].cells.count < columns.count {
            let missing = columns.count - rows[index].cells.count
            rows[index].cells.append(contentsOf: repeatElement(nil, count: missing))
        }
        return rows
    }

    // MARK: - Errors

    private func invalidUTF8(
        at index: Int, recordStart: Int, line: Int
    ) -> TriageError {
        let location = Self.location(
            ofByte: index, recordStart: recordStart, line: line, in: input)
        return TriageError.invalidData(
            "invalid UTF-8", at: location,
            remedy: "convert the file to UTF-8, for example with iconv")
    }

    /// The line and column of the byte at `index` in the buffer, for a record that
    /// starts at `recordStart` on line `line`. The column counts characters.
    fileprivate static func location(
        ofByte index: Int, recordStart: Int, line: Int, in input: ByteSource
    ) -> SourceLocation {
        input.bytes.withUnsafeBufferPointer { buffer in
            var line = line
            var lineStart = recordStart
            let newline = UInt8(ascii: "\n")
            for position in recordStart..<index where buffer[position] == newline {
                line += 1
                lineStart = position + 1
            }
            let before = UnsafeBufferPointer(rebasing: buffer[lineStart..<index])
            let column = String(decoding: before, as: UTF8.self).count + 1
            return SourceLocation(file: input.source, line: line, column: column)
        }
    }

    /// The offset of the first byte that does not begin valid UTF-8, if any.
    static func firstInvalidUTF8(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    /// The text of a quoted field with each `""` read as one quote, or `nil` if it
    /// is not valid UTF-8.
    private static func undoublingQuotes(
        _ text: UnsafeBufferPointer<UInt8>
    ) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            // Inside quotes every quote is the first of a pair: keep it, skip its twin.
            let byte = text[index]
            bytes.append(byte)
            index += byte == UInt8(ascii: "\"") ? 2 : 1
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}

/// A CSV or TSV record with the positions needed to point at its parts.
private struct RawRecord {
    var values: [String?]
    var line: Int
    /// Buffer offsets, valid until the next read: the record, each field (at its
    /// opening quote, if quoted) and the line end.
    var start: Int
    var fieldStarts: [Int]
    var end: Int

    func location(ofByte index: Int, in input: ByteSource) -> SourceLocation {
        TableReader.location(ofByte: index, recordStart: start, line: line, in: input)
    }
}
