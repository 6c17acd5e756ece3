import Foundation
import Testing

/// Settings from environment variables: checked at start-up like options, and used.
@Suite struct EnvironmentTests {
    @Test func busyTimeoutIsCheckedAndNamedInTheLockedQueueRemedy() throws {
        let triage = try TriageProcess()

        // Not a number of seconds: a usage error before any work.
        for bad in ["abc", "-1", "inf", "nan"] {
            let result = try triage.run(
                ["review", "note", "1", "x"], environment: ["TRIAGE_BUSY_TIMEOUT": bad])
            #expect(result.status == 64, "\(bad)")
            #expect(
                result.stderr
                    == "triage: error: TRIAGE_BUSY_TIMEOUT must be a number of seconds, 0 or more, "
                    + "got '\(bad)'\n")
        }
        #expect(!FileManager.default.fileExists(atPath: triage.path("review")))

        // A queue another process holds locked: the command waits as long as the
        // variable says, then fails with a remedy a user can follow.
        let created = try triage.run(["review", "note", "1", "x"])
        #expect(created.stderr == "triage: error: no review case 1\n")
        guard let holder = try SQLiteShell.locking(triage.path("review/queue.sqlite")) else {
            return
        }
        defer { holder.finish() }
        let started = Date()
        let locked = try triage.run(
            ["review", "note", "1", "x"], environment: ["TRIAGE_BUSY_TIMEOUT": "0.5"])
        let waited = Date().timeIntervalSince(started)
        #expect(locked.status == 1)
        #expect(
            locked.stderr.hasSuffix(
                "the review queue is locked by another process; try again, or raise "
                    + "TRIAGE_BUSY_TIMEOUT (now 0.5 s)\n"), "\(locked.stderr)")
        #expect(waited >= 0.4 && waited < 4, "waited \(waited) s")
    }

    @Test func threadCountIsCheckedAtStartUp() throws {
        let triage = try TriageProcess()
        for bad in ["abc", "0", "-1", "2.5"] {
            let result = try triage.run(
                ["review", "list"], environment: ["TRIAGE_THREADS": bad])
            #expect(result.status == 64, "\(bad)")
            #expect(
                result.stderr
                    == "triage: error: TRIAGE_THREADS must be a whole number of 1 or more, "
                    + "got '\(bad)'\n")
            #expect(result.stdout.isEmpty)
        }

        // A valid count, or an empty variable (unset), is fine.
        for good in ["1", "3", ""] {
            let result = try triage.run(["review", "list"], environment: ["TRIAGE_THREADS": good])
            #expect(result.status == 0, "\(good): \(result.stderr)")
        }
    }
}

/// The `sqlite3` shell holding a database's write lock until `finish()`.
private final class SQLiteShell {
    private let process = Process()
    private let input = Pipe()

    /// Starts the shell and returns once it holds the lock; `nil` when `sqlite3` is
    /// not installed.
    static func locking(_ database: String) throws -> SQLiteShell? {
        let shell = "/usr/bin/sqlite3"
        guard FileManager.default.isExecutableFile(atPath: shell) else { return nil }
        let holder = SQLiteShell()
        holder.process.executableURL = URL(fileURLWithPath: shell)
        holder.process.arguments = [database]
        holder.process.standardInput = holder.input
        holder.process.standardOutput = FileHandle.nullDevice
        try holder.process.run()

        // The shell's output to a pipe is buffered, so it signals through a file,
        // written once the lock is taken and closed by switching output back.
        let signal = database + ".locked"
        let script = "BEGIN EXCLUSIVE;\n.output \(signal)\nSELECT 'locked';\n.output stdout\n"
        holder.input.fileHandleForWriting.write(Data(script.utf8))
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOfFile: signal, encoding: .utf8))?.contains("locked") != true {
            guard Date() < deadline else {
                holder.finish()
                throw CocoaError(.fileLocking)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return holder
    }

    /// Ends the transaction and the shell.
    func finish() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.write(contentsOf: Data("ROLLBACK;\n.quit\n".utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
