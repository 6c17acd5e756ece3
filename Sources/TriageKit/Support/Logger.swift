/// A small structured logger in the shape of swift-log.
///
/// The library never decides where logs go: it takes a `Logger` from its caller and
/// logs fixed messages with variable data as dotted `key=value` metadata. The
/// executable installs a handler that writes to standard error; tests install one
/// that records into memory.
public struct Logger: Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var name: String {
            switch self {
            case .trace: "trace"
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    public typealias Metadata = KeyValuePairs<String, String>
    public typealias Handler = @Sendable (Level, String, [(String, String)]) -> Void

    public var level: Level
    private let handler: Handler

    public init(level: Level, handler: @escaping Handler) {
        self.level = level
        self.handler = handler
    }

    /// A logger that drops everything.
    public static let disabled = Logger(level: .error) { _, _, _ in }

    public func log(
        _ level: Level,
        _ message: @autoclosure () -> String,
        _ metadata: @autoclosure () -> Metadata = [:]
    ) {
        guard level >= self.level else { return }
        handler(level, message(), metadata().map { ($0.key, $0.value) })
    }

    public func debug(
        _ message: @autoclosure () -> String, _ metadata: @autoclosure () -> Metadata = [:]
    ) {
        log(.debug, message(), metadata())
    }

    public func info(
        _ message: @autoclosure () -> String, _ metadata: @autoclosure () -> Metadata = [:]
    ) {
        log(.info, message(), metadata())
    }

    public func warning(
        _ message: @autoclosure () -> String, _ metadata: @autoclosure () -> Metadata = [:]
    ) {
        log(.warning, message(), metadata())
    }
}
