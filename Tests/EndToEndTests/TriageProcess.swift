import Foundation

/// Runs the built `triage` binary, as a user would, and captures what it prints.
struct TriageProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        var lines: [String] { stdout.split(separator: "\n").map(String.init) }

        /// Standard output as JSON objects, one per line.
        func jsonLines() throws -> [[String: Any]] {
            try lines.map { line in
                guard
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
                        as? [String: Any]
                else { throw CocoaError(.coderReadCorrupt) }
                return object
            }
        }
    }

    /// The binary next to the test bundle, or `TRIAGE_BIN`.
    static let executable: URL = {
        if let path = ProcessInfo.processInfo.environment["TRIAGE_BIN"] {
            return URL(fileURLWithPath: path)
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        // The test runner may be `…/debug/TriagePackageTests.xctest`, a file or a folder.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("triage").path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("triage")
    }()

    /// The package root, for the bundled data.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func data(_ path: String) -> String {
        packageRoot.appendingPathComponent("data").appendingPathComponent(path).path
    }

    /// The folder every home of this test run lives in, removed when the run ends.
    static let runFolder: URL = {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("triage-e2e-\(ProcessInfo.processInfo.processIdentifier)")
        atexit { try? FileManager.default.removeItem(at: TriageProcess.runFolder) }
        return folder
    }()

    let home: URL

    /// A fresh, empty home folder for models and the queue.
    init() throws {
        home = Self.runFolder.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { home.appendingPathComponent(name).path }

    /// Writes a file into the home folder and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        try Data(contents.utf8).write(to: home.appendingPathComponent(name))
        return path(name)
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: home.appendingPathComponent(name))
        return path(name)
    }

    /// Runs `triage` with `TRIAGE_HOME` set to this home.
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:])
        throws
        -> Result
    {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TRIAGE_HOME"] = home.path
        for (key, value) in environment { env[key] = value }
        process.environment = env

        // Output goes to files, so the process never blocks on a full pipe while
        // the test is still writing its input.
        let capture = FileManager.default.temporaryDirectory
            .appendingPathComponent("triage-out-\(UUID().uuidString)")
        let outURL = capture.appendingPathExtension("stdout")
        let errURL = capture.appendingPathExtension("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let output = try FileHandle(forWritingTo: outURL)
        let errors = try FileHandle(forWritingTo: errURL)
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        try output.close()
        try errors.close()
        return Result(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    /// Every file under the home folder with its size and modification time: a
    /// fingerprint to show a failed command changed nothing. Folders are left out,
    /// since SQLite creates and removes its lock files beside the queue on every open.
    func snapshot() -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: home, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            let size = attributes?[.size] as? Int ?? -1
            let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[url.path] = "\(size) \(date)"
        }
        return result
    }
}

/// Small slices of the bundled CLINC150 data, so end-to-end tests train in seconds.
enum Slices {
    /// Rows of a CLINC150 CSV file whose label is in `labels` (every label when
    /// `nil`), at most `perLabel` each, in file order.
    static func clinc(_ file: String, labels: Set<String>?, perLabel: Int = .max) throws -> [(
        text: String, label: String
    )] {
        let text = try String(
            contentsOfFile: TriageProcess.data("clinc150/\(file)"), encoding: .utf8)
        var counts: [String: Int] = [:]
        var rows: [(String, String)] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let (sentence, label) = try parse(String(line))
            guard labels?.contains(label) ?? true, counts[label, default: 0] < perLabel else {
                continue
            }
            counts[label, default: 0] += 1
            rows.append((sentence, label))
        }
        return rows
    }

    /// The fifteen intents the tests use.
    static let labels: Set<String> = [
        "translate", "transfer", "timer", "definition", "meaning_of_life", "insurance_change",
        "find_phone", "travel_alert", "pto_request", "improve_credit_score", "fun_fact",
        "change_language", "payday", "replacement_card_duration", "update_playlist",
    ]

    /// The bundled files are simple two-column CSV: the text may be quoted, the
    /// label never is.
    private static func parse(_ line: String) throws -> (String, String) {
        guard let comma = line.lastIndex(of: ",") else { throw CocoaError(.coderReadCorrupt) }
        var sentence = String(line[..<comma])
        if sentence.hasPrefix("\"") && sentence.hasSuffix("\"") {
            sentence = String(sentence.dropFirst().dropLast()).replacingOccurrences(
                of: "\"\"", with: "\"")
        }
        return (sentence, String(line[line.index(after: comma)...]))
    }

    static func csv(_ rows: [(text: String, label: String)]) -> String {
        "text,label\n" + rows.map { "\(quote($0.text)),\($0.label)\n" }.joined()
    }

    static func quote(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
