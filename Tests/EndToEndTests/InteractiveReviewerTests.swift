import Foundation
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The interactive reviewer, driven through a pseudo-terminal as a person would:
/// scripted keys in, the screen read back through a small terminal emulator, and the
/// queue checked behind it.
@Suite(.serialized) struct InteractiveReviewerTests {
    @Test func answerSkipUndoSearchNoteResizeAndQuit() throws {
        let triage = try queueWithDeferredCases()
        let pending = try triage.run(["review", "list", "--json"]).jsonLines()
        let first = try #require(pending.first?["id"] as? Int)
        let firstSuggestion = try #require(
            (pending.first?["suggestions"] as? [[String: Any]])?.first?["label"] as? String)

        let reviewer = try PseudoTerminalProcess(
            triage, ["review", "--reviewer", "tess"], columns: 72, rows: 22)

        // The least confident case comes first, with its suggestions and the reason.
        var screen = try reviewer.waitFor("suggestions")
        #expect(screen.line(0).contains("case \(first) · low confidence"))
        #expect(screen.text.contains("1  \(firstSuggestion)"))
        #expect(screen.line(21).contains("tess · answered 0"))

        // 1 accepts the first suggestion.
        reviewer.send("1")
        screen = try reviewer.waitFor("case \(first) labelled")
        #expect(screen.line(21).contains("answered 1"))
        let answered = try caseJSON(triage, first)
        #expect(answered["status"] as? String == "answered")
        #expect(answered["answer"] as? String == firstSuggestion)
        #expect(answered["reviewer"] as? String == "tess")

        // s skips the next case: still pending, once skipped.
        let second = try #require(screen.caseID)
        reviewer.send("s")
        screen = try reviewer.waitFor("case \(second) skipped")
        #expect(try caseJSON(triage, second)["skips"] as? Int == 1)
        #expect(try caseJSON(triage, second)["status"] as? String == "pending")

        // u takes the first answer back and shows that case again.
        reviewer.send("u")
        screen = try reviewer.waitFor("answer to case \(first) taken back")
        #expect(screen.caseID == first)
        #expect(screen.line(21).contains("answered 0"))
        #expect(try caseJSON(triage, first)["status"] as? String == "pending")

        // A narrower, shorter window: everything is redrawn to fit it.
        reviewer.resize(columns: 40, rows: 14)
        screen = try reviewer.waitFor("tess · answered 0", onLine: 13, columns: 40)
        #expect(screen.line(0).hasPrefix(" case \(first)"))
        #expect(screen.lines.allSatisfy { $0.count <= 40 })
        #expect(screen.text.contains("suggestions"))

        // / searches all labels by typing; Enter answers with the highlighted one.
        reviewer.send("/")
        _ = try reviewer.waitFor("search: ▏")
        reviewer.send("transl")
        screen = try reviewer.waitFor("› translate")
        reviewer.send("\r")
        screen = try reviewer.waitFor("case \(first) labelled \"translate\"")
        #expect(try caseJSON(triage, first)["answer"] as? String == "translate")

        // n adds a note to the case in hand.
        let noted = try #require(screen.caseID)
        reviewer.send("n")
        _ = try reviewer.waitFor("note: ▏")
        reviewer.send("ambiguous wording\r")
        _ = try reviewer.waitFor("note added to case \(noted)")
        let history = try triage.run(["review", "show", String(noted)])
        #expect(history.stdout.contains("noted"))
        #expect(history.stdout.contains("ambiguous wording"))

        // q quits: the case in hand is released and the terminal restored.
        reviewer.send("q")
        let status = try reviewer.waitForExit()
        #expect(status == 0)
        #expect(reviewer.output.contains("\u{1B}[?1049ltriage: tess answered 1 case in"))
        #expect(reviewer.echoIsOn)
        let next = try triage.run(["review", "next", "--reviewer", "other", "--json"])
        #expect(try next.jsonLines().first?["id"] as? Int == noted)
    }

    @Test func controlCAndTerminationRestoreTheTerminal() throws {
        let triage = try queueWithDeferredCases()

        let interrupted = try PseudoTerminalProcess(triage, ["review", "--reviewer", "ann"])
        _ = try interrupted.waitFor("suggestions")
        #expect(!interrupted.echoIsOn)
        interrupted.send("\u{03}")
        #expect(try interrupted.waitForExit() == 0)
        #expect(interrupted.echoIsOn)

        let terminated = try PseudoTerminalProcess(triage, ["review", "--reviewer", "ann"])
        _ = try terminated.waitFor("suggestions")
        kill(terminated.process.processIdentifier, SIGTERM)
        _ = try terminated.waitForExit()
        #expect(terminated.process.terminationReason == .uncaughtSignal)
        #expect(terminated.echoIsOn)
        #expect(terminated.output.contains("\u{1B}[?1049l"))
    }

    @Test func aKilledReviewerLosesNothingItsClaimExpires() throws {
        let triage = try queueWithDeferredCases()
        let pending = try triage.run(["review", "list", "--json"]).jsonLines()
        let first = try #require(pending.first?["id"] as? Int)

        // A reviewer at the plain prompt takes the first case, then is killed.
        let victim = try PseudoTerminalProcess(
            triage, ["review", "--reviewer", "kim", "--lease", "3"], terminal: false)
        _ = try victim.waitForOutput("answer> ")
        kill(victim.process.processIdentifier, SIGKILL)
        _ = try victim.waitForExit()

        // While the lease runs the case is nobody else's; afterwards it is back.
        let during = try triage.run(["review", "next", "--reviewer", "lee", "--json"])
        let other = try #require(try during.jsonLines().first?["id"] as? Int)
        #expect(other != first)
        _ = try triage.run(["review", "release", String(other), "--reviewer", "lee"])
        Thread.sleep(forTimeInterval: 3.5)
        let after = try triage.run(["review", "next", "--reviewer", "lee", "--json"])
        #expect(try after.jsonLines().first?["id"] as? Int == first)
        let shown = try caseJSON(triage, first)
        #expect(shown["status"] as? String == "pending")
        #expect(shown["answer"] == nil)
    }

    @Test func thePlainPromptAnswersFromStandardInput() throws {
        let triage = try queueWithDeferredCases()
        let pending = try triage.run(["review", "list", "--json"]).jsonLines()
        let ids = pending.compactMap { $0["id"] as? Int }
        let secondSuggestion = try #require(
            (pending[0]["suggestions"] as? [[String: Any]])?.dropFirst().first?["label"] as? String)

        let result = try triage.run(
            ["review", "--reviewer", "pat"],
            stdin: "2\nnot_a_label\n=balance\nn check this one\ns\nu\nq\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("case \(ids[0]) labelled \"\(secondSuggestion)\""))
        #expect(result.stderr.contains("has no label \"not_a_label\""))
        #expect(result.stdout.contains("case \(ids[1]) labelled \"balance\""))
        #expect(result.stdout.contains("note added to case \(ids[2])"))
        #expect(result.stdout.contains("case \(ids[2]) skipped"))
        #expect(result.stdout.contains("answer to case \(ids[1]) taken back"))
        #expect(try caseJSON(triage, ids[0])["answer"] as? String == secondSuggestion)
        #expect(try caseJSON(triage, ids[1])["status"] as? String == "pending")
        #expect(try caseJSON(triage, ids[2])["skips"] as? Int == 1)
    }

    /// A model trained on a slice of CLINC150 and a queue of its least sure answers.
    private func queueWithDeferredCases() throws -> TriageProcess {
        let triage = try TriageProcess()
        let labels: Set<String> = ["balance", "transfer", "translate", "definition", "timer"]
        let train = try Slices.clinc("train.csv", labels: labels, perLabel: 40)
        let test = try Slices.clinc("test.csv", labels: labels, perLabel: 12)
        let trainPath = try triage.write("train.csv", Slices.csv(train))
        let testPath = try triage.write("test.csv", Slices.csv(test))
        let trained = try triage.run(["train", "--data", trainPath, "--target-accuracy", "0.95"])
        try #require(trained.status == 0, "\(trained.stderr)")
        let classified = try triage.run(["classify", testPath, "--target-accuracy", "0.9999"])
        try #require(classified.status == 0, "\(classified.stderr)")
        let deferred = try classified.jsonLines().filter { $0["decision"] as? String == "deferred" }
        try #require(deferred.count >= 6, "only \(deferred.count) cases deferred")
        return triage
    }

    private func caseJSON(_ triage: TriageProcess, _ id: Int) throws -> [String: Any] {
        let shown = try triage.run(["review", "show", String(id), "--json"])
        return try #require(try shown.jsonLines().first)
    }
}

/// The built binary on the slave side of a pseudo-terminal (or, with `terminal:
/// false`, on pipes), with everything it writes collected from the master side.
final class PseudoTerminalProcess {
    let process = Process()
    private let master: Int32
    private let slave: Int32
    private(set) var output = ""
    private var bytes: [UInt8] = []
    private var columns: Int
    private var rows: Int

    init(
        _ triage: TriageProcess, _ arguments: [String], columns: Int = 80, rows: Int = 24,
        terminal: Bool = true
    ) throws {
        self.columns = columns
        self.rows = rows
        if terminal {
            // posix_openpt and friends are not imported into Swift; these are the
            // ioctls they wrap on Linux (unlock the slave, ask its number).
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            var unlock: Int32 = 0
            var number: UInt32 = 0
            guard master >= 0, ioctl(master, UInt(0x4004_5431), &unlock) == 0,
                ioctl(master, UInt(0x8004_5430), &number) == 0
            else { throw POSIXError(.ENOTTY) }
            let name = "/dev/pts/\(number)"
            slave = open(name, O_RDWR | O_NOCTTY)
            guard slave >= 0 else { throw POSIXError(.ENOTTY) }
            var size = winsize(
                ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        } else {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EPIPE) }
            master = ends[0]
            slave = ends[1]
        }
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.executableURL = TriageProcess.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TRIAGE_HOME"] = triage.home.path
        environment["TERM"] = "xterm"
        process.environment = environment
        process.standardInput = terminal ? handle : Pipe()
        process.standardOutput = handle
        process.standardError = terminal ? handle : FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        close(master)
        close(slave)
    }

    func send(_ keys: String) {
        let data = Array(keys.utf8)
        _ = data.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Changes the window size and tells the process, as a terminal emulator does.
    func resize(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        var size = winsize(
            ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        kill(process.processIdentifier, SIGWINCH)
    }

    /// Whether the terminal echoes typed keys, as it does outside raw mode.
    var echoIsOn: Bool {
        var settings = termios()
        guard tcgetattr(slave, &settings) == 0 else { return false }
        return settings.c_lflag & tcflag_t(ECHO) != 0
    }

    /// Reads what the process wrote until the screen shows `text` (on a given line,
    /// when asked), or fails after ten seconds.
    func waitFor(
        _ text: String, onLine line: Int? = nil, columns: Int? = nil
    ) throws -> Screen {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            pump(milliseconds: 50)
            let screen = Screen(bytes, columns: columns ?? self.columns, rows: rows)
            if let line, screen.line(line).contains(text) { return screen }
            if line == nil, screen.text.contains(text) { return screen }
        }
        let screen = Screen(bytes, columns: columns ?? self.columns, rows: rows)
        Issue.record("the screen never showed \"\(text)\":\n\(screen.text)")
        throw POSIXError(.ETIMEDOUT)
    }

    /// Reads until the raw output contains `text`.
    func waitForOutput(_ text: String) throws -> String {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            pump(milliseconds: 50)
            if output.contains(text) { return output }
        }
        Issue.record("the output never showed \"\(text)\":\n\(output)")
        throw POSIXError(.ETIMEDOUT)
    }

    func waitForExit() throws -> Int32 {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { pump(milliseconds: 20) }
        guard !process.isRunning else {
            Issue.record("the reviewer did not exit")
            throw POSIXError(.ETIMEDOUT)
        }
        pump(milliseconds: 20)
        return process.terminationStatus
    }

    private func pump(milliseconds: Int32) {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        while poll(&descriptor, 1, milliseconds) > 0 {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            bytes += chunk[0..<count]
            output = String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// What a terminal of a given size shows after a stream of output: enough of a VT100
/// for the reviewer's drawing (cursor home and position, erase, line breaks, and
/// attributes, which are dropped).
struct Screen {
    private(set) var grid: [[Character]]

    init(_ bytes: [UInt8], columns: Int, rows: Int) {
        grid = Array(repeating: Array(repeating: " ", count: columns), count: rows)
        var row = 0
        var column = 0
        let characters = Array(String(decoding: bytes, as: UTF8.self))
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if character == "\u{1B}" {
                guard index < characters.count, characters[index] == "[" else { continue }
                index += 1
                var parameters = ""
                while index < characters.count, !("@"..."~").contains(characters[index]) {
                    parameters.append(characters[index])
                    index += 1
                }
                guard index < characters.count else { break }
                let final = characters[index]
                index += 1
                let numbers = parameters.split(separator: ";").map { Int($0) ?? 1 }
                switch final {
                case "H":
                    row = min(rows - 1, max(0, (numbers.first ?? 1) - 1))
                    column = min(columns - 1, max(0, (numbers.count > 1 ? numbers[1] : 1) - 1))
                case "J":
                    let whole = parameters == "2"
                    for r in (whole ? 0 : row)..<rows {
                        for c in ((r == row && !whole) ? column : 0)..<columns { grid[r][c] = " " }
                    }
                case "K":
                    for c in column..<columns { grid[row][c] = " " }
                default:
                    break
                }
                continue
            }
            switch character {
            case "\r":
                column = 0
            case "\n", "\r\n":
                if character == "\r\n" { column = 0 }
                if row == rows - 1 {
                    grid.removeFirst()
                    grid.append(Array(repeating: " ", count: columns))
                } else {
                    row += 1
                }
            default:
                if column >= columns {
                    column = 0
                    row = min(rows - 1, row + 1)
                }
                grid[row][column] = character
                column += 1
            }
        }
    }

    var lines: [String] {
        grid.map {
            String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }

    var text: String { lines.joined(separator: "\n") }

    func line(_ index: Int) -> String { index < grid.count ? lines[index] : "" }

    /// The case in hand, from the header line.
    var caseID: Int? {
        let header = line(0)
        guard let range = header.range(of: "case ") else { return nil }
        return Int(header[range.upperBound...].prefix(while: { $0.isNumber }))
    }
}
