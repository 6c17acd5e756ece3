/// Finds the records and fields of RFC 4180 CSV in a byte buffer, resuming where it
/// stopped when a record is cut off by the end of the bytes read so far.
///
/// The scanner only records where fields are; the reader turns them into strings.
/// Offsets are relative to the start of the record being scanned, so they stay valid
/// when the reader moves unconsumed bytes to the front of its buffer.
///
/// The rules are those of Python's `csv` module with `strict=True`, except that a
/// lone CR is text:
/// - a field that starts with `"` is quoted: it ends at the next lone `"`, may hold
///   delimiters and line ends, and writes a quote as `""`;
/// - a `"` anywhere else in a field is an ordinary character;
/// - a record ends at LF or CRLF outside quotes; a CR not followed by LF is text;
/// - after a closing quote only a delimiter or a line end may follow.
struct CSVScanner {
    /// Where one field's text is, relative to the record start.
    struct Field {
        /// Where the field begins, at its opening quote if it has one.
        var rawStart: Int
        /// The text, without enclosing quotes.
        var start: Int
        var end: Int
        /// The text contains `""` pairs that stand for one quote each.
        var hasDoubledQuotes: Bool

        /// An empty field at `offset`; a quoted one then moves `rawStart` back.
        static func empty(at offset: Int) -> Field {
            Field(rawStart: offset, start: offset, end: offset, hasDoubledQuotes: false)
        }
    }

    /// What one call to `scan` found.
    enum Outcome: Equatable {
        /// The record continues past the bytes read so far.
        case needMore
        /// No bytes left and the input has ended.
        case end
        /// An empty line of `length` bytes, terminator included.
        case blankLine(length: Int)
        /// A record of `length` bytes, terminator included, now in `fields`.
        /// `lineEnd` is where its terminator starts; `newlines` counts the LF bytes.
        case record(length: Int, lineEnd: Int, newlines: Int)
        /// Text follows a closing quote at this offset.
        case textAfterClosingQuote(at: Int)
        /// The input ends inside the quoted field opened at this offset.
        case unterminatedQuote(openedAt: Int)
    }

    private enum State {
        case fieldStart
        case unquoted
        case quoted
        /// Just after a `"` inside a quoted field: a closing quote or half of `""`.
        case quoteInQuoted
    }

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// The fields of the record `scan` last returned, or of the one in progress.
    private(set) var fields: [Field] = []

    let delimiter: UInt8

    private var state = State.fieldStart
    private var position = 0
    private var field = Field.empty(at: 0)
    private var newlines = 0

    init(delimiter: UInt8) {
        self.delimiter = delimiter
    }

    /// Forgets the last record, ready to scan the next one from offset 0.
    mutating func reset() {
        fields.removeAll(keepingCapacity: true)
        state = .fieldStart
        position = 0
        newlines = 0
    }

    /// Scans the record at the start of `bytes`, continuing from where the previous
    /// call for the same record stopped.
    ///
    /// Call `reset()` after a record, a blank line or an error before scanning more.
    ///
    /// - Parameters:
    ///   - bytes: The unconsumed input, starting with the record.
    ///   - atEnd: Whether no more bytes will follow `bytes`.
    /// - Complexity: O(*n*) in the bytes not scanned by earlier calls.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, atEnd: Bool) -> Outcome {
        let count = bytes.count
        var index = position
        defer { position = index }

        while index < count {
            let byte = bytes[index]
            switch state {
            case .fieldStart:
                if byte == Self.quote {
                    field = .empty(at: index + 1)
                    field.rawStart = index
                    state = .quoted
                    index += 1
                } else if byte == delimiter {
                    fields.append(.empty(at: index))
                    index += 1
                } else if byte == Self.lf || byte == Self.cr {
                    field = .empty(at: index)
                    switch lineEnd(bytes, at: index, atEnd: atEnd) {
                    case .needMore:
                        return .needMore
                    case .text:
                        state = .unquoted
                        index += 1
                    case .terminator(let length):
                        if fields.isEmpty && index == 0 {
                            return .blankLine(length: length)
                        }
                        fields.append(field)
                        return finish(bytes, at: index, terminator: length)
                    }
                } else {
                    field = .empty(at: index)
                    state = .unquoted
                    index += 1
                }

            case .unquoted:
                // Skip ordinary bytes in one tight loop.
                while index < count {
                    let byte = bytes[index]
                    if byte == delimiter || byte == Self.lf || byte == Self.cr { break }
                    index += 1
                }
                guard index < count else { break }
                let stop = bytes[index]
                if stop == delimiter {
                    field.end = index
                    fields.append(field)
                    state = .fieldStart
                    index += 1
                    continue
                }
                switch lineEnd(bytes, at: index, atEnd: atEnd) {
                case .needMore:
                    return .needMore
                case .text:
                    index += 1
                case .terminator(let length):
                    field.end = index
                    fields.append(field)
                    return finish(bytes, at: index, terminator: length)
                }

            case .quoted:
                // Skip to the next quote, counting the line ends passed.
                while index < count {
                    let byte = bytes[index]
                    if byte == Self.quote { break }
                    if byte == Self.lf { newlines += 1 }
                    index += 1
                }
                guard index < count else { break }
                state = .quoteInQuoted
                index += 1

            case .quoteInQuoted:
                if byte == Self.quote {
                    field.hasDoubledQuotes = true
                    state = .quoted
                    index += 1
                } else if byte == delimiter {
                    field.end = index - 1
                    fields.append(field)
                    state = .fieldStart
                    index += 1
                } else if byte == Self.lf || byte == Self.cr {
                    switch lineEnd(bytes, at: index, atEnd: atEnd) {
                    case .needMore:
                        return .needMore
                    case .text:
                        return .textAfterClosingQuote(at: index)
                    case .terminator(let length):
                        field.end = index - 1
                        fields.append(field)
                        return finish(bytes, at: index, terminator: length)
                    }
                } else {
                    return .textAfterClosingQuote(at: index)
                }
            }
        }

        // Out of bytes: wait for more, or end the last record at the end of input.
        guard atEnd else { return .needMore }
        switch state {
        case .fieldStart:
            if fields.isEmpty && index == 0 { return .end }
            field = .empty(at: index)
        case .unquoted:
            field.end = index
        case .quoted:
            return .unterminatedQuote(openedAt: field.rawStart)
        case .quoteInQuoted:
            field.end = index - 1
        }
        fields.append(field)
        return .record(length: index, lineEnd: index, newlines: newlines)
    }

    private enum LineEnd {
        case needMore
        case text
        case terminator(length: Int)
    }

    /// Classifies the CR or LF at `index`: a line end (LF, CRLF, or CR as the last
    /// byte of the input), a lone CR that is text, or a CR whose next byte is unread.
    private func lineEnd(
        _ bytes: UnsafeBufferPointer<UInt8>, at index: Int, atEnd: Bool
    ) -> LineEnd {
        if bytes[index] == Self.lf { return .terminator(length: 1) }
        guard index + 1 < bytes.count else {
            return atEnd ? .terminator(length: 1) : .needMore
        }
        return bytes[index + 1] == Self.lf ? .terminator(length: 2) : .text
    }

    /// The outcome for a record whose terminator of `terminator` bytes is at
    /// `lineEnd`; a CR ending the input is a terminator but not a line break.
    private func finish(
        _ bytes: UnsafeBufferPointer<UInt8>, at lineEnd: Int, terminator: Int
    ) -> Outcome {
        let endsWithLF = bytes[lineEnd + terminator - 1] == Self.lf
        return .record(
            length: lineEnd + terminator, lineEnd: lineEnd,
            newlines: newlines + (endsWithLF ? 1 : 0))
    }
}
