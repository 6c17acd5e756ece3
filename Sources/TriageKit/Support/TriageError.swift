/// Where in an input file a problem was found.
///
/// Lines and columns count from 1. The column counts characters, not bytes, so it
/// points where an editor would.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text
    }
}

/// The one error type the library throws.
///
/// Each error says what failed and, where there is one, what to do about it. Review
/// text and stored values are never copied into the description: a message names the
/// case, row or column, not its contents.
public struct TriageError: Error, Sendable, CustomStringConvertible {
    /// A family of failures. The set grows; compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case invalidData
            case invalidArgument
            case modelNotFound
            case modelCorrupt
            case unknownLabel
            case caseNotFound
            case caseClosed
            case store
            case io
            case training
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// An input file that cannot be read as a table of examples.
        public static let invalidData = Code(.invalidData)
        /// A setting outside its allowed range, or settings that contradict each other.
        public static let invalidArgument = Code(.invalidArgument)
        /// No model, or no such version, in the registry.
        public static let modelNotFound = Code(.modelNotFound)
        /// A model file that is damaged, truncated or written by a newer Triage.
        public static let modelCorrupt = Code(.modelCorrupt)
        /// A label the model has never seen, where a known one is required.
        public static let unknownLabel = Code(.unknownLabel)
        /// No review case with that id.
        public static let caseNotFound = Code(.caseNotFound)
        /// A review case that is already answered and cannot take another answer.
        public static let caseClosed = Code(.caseClosed)
        /// The review queue's database refused or failed an operation.
        public static let store = Code(.store)
        /// Reading or writing a file failed.
        public static let io = Code(.io)
        /// Training could not produce a usable model.
        public static let training = Code(.training)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String
    public var location: SourceLocation?
    /// What the user can do about it, as a sentence.
    public var remedy: String?

    public init(
        _ code: Code,
        _ message: String,
        at location: SourceLocation? = nil,
        remedy: String? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.remedy = remedy
    }

    /// One line: location, message and remedy.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += message
        if let remedy { text += "; \(remedy)" }
        return text
    }
}

extension TriageError {
    static func invalidData(
        _ message: String,
        at location: SourceLocation? = nil,
        remedy: String? = nil
    ) -> TriageError {
        TriageError(.invalidData, message, at: location, remedy: remedy)
    }

    static func invalidArgument(_ message: String, remedy: String? = nil) -> TriageError {
        TriageError(.invalidArgument, message, remedy: remedy)
    }

    static func io(_ message: String, path: String) -> TriageError {
        TriageError(.io, message, at: SourceLocation(file: path))
    }
}
