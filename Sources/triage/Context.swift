@preconcurrency import Glibc
import TriageKit

/// What every command needs from its surroundings: where models and the queue live,
/// where output goes, and the logger.
struct Context {
    let home: String
    let quiet: Bool
    let logger: Logger
    let out: Output
    let err: Output
    /// Seconds a command waits for another process's lock on the review queue
    /// before failing: `TRIAGE_BUSY_TIMEOUT`, else the queue's default.
    let busyTimeout: Double

    /// The variable that sets ``busyTimeout``.
    static let busyTimeoutVariable = "TRIAGE_BUSY_TIMEOUT"

    init(arguments: ParsedArguments) throws {
        // The parser refuses an empty `--home`; an empty TRIAGE_HOME counts as unset.
        if let home = arguments.value("home") {
            self.home = home
        } else if let home = Context.environment("TRIAGE_HOME") {
            self.home = home
        } else {
            self.home = "."
        }

        // Settings from the environment are checked before any work, like options.
        if let text = Context.environment(Context.busyTimeoutVariable) {
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
                throw UsageError(
                    "\(Context.busyTimeoutVariable) must be a number of seconds, 0 or more, "
                        + "got '\(sanitized(text))'",
                    command: arguments.command)
            }
            busyTimeout = seconds
        } else {
            busyTimeout = SQLiteReviewStore.defaultBusyTimeout
        }
        if let text = Context.environment(ThreadSetting.variable),
            ThreadSetting.count(from: text) == nil
        {
            throw UsageError(
                "\(ThreadSetting.variable) must be a whole number of 1 or more, "
                    + "got '\(sanitized(text))'",
                command: arguments.command)
        }

        quiet = arguments.flag("quiet")
        let level: Logger.Level = arguments.flag("verbose") ? .debug : (quiet ? .error : .notice)
        out = .standardOutput
        err = .standardError
        let err = err
        logger = Logger(level: level) { level, message, metadata in
            var line = "triage: \(level.name): \(message)"
            for (key, value) in metadata { line += " \(key)=\(value)" }
            err.line(line)
            err.flush()
        }
    }

    var registry: ModelRegistry { ModelRegistry(home: home) }

    var queuePath: String { SQLiteReviewStore.defaultPath(home: home) }

    /// Opens the review queue, creating it on first use.
    func openStore() throws -> SQLiteReviewStore {
        try SQLiteReviewStore(
            path: queuePath, busyTimeout: busyTimeout,
            busyTimeoutName: "\(Context.busyTimeoutVariable) (now \(secondsText(busyTimeout)))",
            logger: logger)
    }

    /// Opens the review queue for reading, or `nil` when there is none yet: reading
    /// never creates a queue (a mistyped `--home` should not leave one behind).
    func openExistingStore() throws -> SQLiteReviewStore? {
        guard access(queuePath, F_OK) == 0 else { return nil }
        return try openStore()
    }

    /// A model name from `--model`, checked as a usage error.
    func modelName(_ arguments: ParsedArguments) throws -> String {
        let name = arguments.value("model") ?? "default"
        do {
            try ModelRegistry.validate(name: name)
        } catch let error as TriageError {
            throw UsageError(error.description, command: arguments.command)
        }
        return name
    }

    /// An environment variable's value; `nil` when it is unset or empty.
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    /// A note for the user on standard error, unless `--quiet`.
    func note(_ text: String) {
        guard !quiet else { return }
        err.line(text)
        err.flush()
    }
}
