import FoundationEssentials
@preconcurrency import Glibc
import TriageKit

/// A buffered writer over a file descriptor: standard output for results, standard
/// error for notes and progress.
final class Output: @unchecked Sendable {
    let descriptor: Int32
    /// Whether the descriptor is a terminal, which turns progress lines on.
    let isTerminal: Bool
    private var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
        self.isTerminal = isatty(descriptor) == 1
        buffer.reserveCapacity(1 << 16)
    }

    static let standardOutput = Output(descriptor: 1)
    static let standardError = Output(descriptor: 2)

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ text: String = "") {
        write(text)
        write("\n")
    }

    /// Writes everything buffered. A closed pipe (the reader went away, as with
    /// `| head`) ends the process quietly, as command-line tools do; any other failure
    /// (a full disk) ends it with an error, since results would be lost.
    func flush() {
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                let reason = String(cString: strerror(errno))
                if descriptor != 2 {
                    let message = Array("triage: error: cannot write results: \(reason)\n".utf8)
                    _ = message.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
                }
                exit(1)
            }
            offset += count
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes text meant for a terminal with control characters made visible, so
    /// input text cannot move the cursor, recolour or retitle a reviewer's screen.
    func writeSafely(_ text: String) {
        write(sanitized(text))
    }

    /// Columns of the terminal, or 80.
    var width: Int {
        var size = winsize()
        if isTerminal && ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return 80
    }
}

/// A single self-rewriting status line on standard error, drawn only on a terminal.
final class ProgressLine: @unchecked Sendable {
    private let output: Output
    private let enabled: Bool
    private var drawn = false
    private var lastDraw = ContinuousClock.now

    init(output: Output = .standardError, enabled: Bool) {
        self.output = output
        self.enabled = enabled && output.isTerminal
    }

    /// Redraws the line, at most ten times a second unless `force`d.
    func update(_ text: String, force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard force || !drawn || now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = now
        drawn = true
        output.write("\r\u{1B}[K" + String(text.prefix(output.width - 1)))
        output.flush()
    }

    /// Erases the line so that ordinary output continues cleanly.
    func clear() {
        guard enabled, drawn else { return }
        output.write("\r\u{1B}[K")
        output.flush()
        drawn = false
    }
}

/// The text with control characters (C0 and C1, escape included) replaced by the
/// visible replacement character; tabs and line breaks become spaces unless kept.
func sanitized(_ text: String, keepNewlines: Bool = false) -> String {
    guard
        text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) })
    else { return text }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x0a where keepNewlines: result.append(scalar)
        case 0x09, 0x0a, 0x0d: result.append(" ")
        case 0..<0x20, 0x7f...0x9f: result.append("\u{FFFD}")
        default: result.append(scalar)
        }
    }
    return String(result)
}

/// Formats a number with a fixed count of decimals: `fixed(0.91234, 3)` is "0.912".
func fixed(_ value: Double, _ places: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var fraction = String(Int(scaled - Double(whole) * scale))
    while fraction.count < places { fraction = "0" + fraction }
    let sign = value < 0 && scaled != 0 ? "-" : ""
    return places == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
}

/// A probability for people: four decimals, or as many as it takes (up to twelve) to
/// tell a value near 0 or 1 from 0 or 1 itself.
func probabilityText(_ value: Double) -> String {
    let four = fixed(value, 4)
    guard (value > 0 && value < 0.00005) || (value < 1 && value >= 0.99995) else { return four }
    return String(rounded(value, places: 12))
}

/// A count with its noun, singular for one: "1 answer", "2 answers". The plural is
/// the singular with an "s" unless given.
func counted(_ count: Int, _ singular: String, plural: String? = nil) -> String {
    "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
}

/// A duration for people, in seconds with no more decimals than it has (up to
/// three): "600 s", "0.5 s".
func secondsText(_ value: Double) -> String {
    guard value.isFinite else { return "\(value) s" }
    let shown = rounded(value, places: 3)
    return shown == shown.rounded() && abs(shown) < 1e15 ? "\(Int(shown)) s" : "\(shown) s"
}

/// Formats a share as a percentage with one decimal: "82.3%".
func percent(_ value: Double) -> String { fixed(value * 100, 1) + "%" }

/// Pads or cuts text to a column width, counting characters.
func column(_ text: String, _ width: Int, right: Bool = false) -> String {
    if text.count >= width {
        return text.count > width ? String(text.prefix(max(0, width - 1))) + "…" : text
    }
    let padding = String(repeating: " ", count: width - text.count)
    return right ? padding + text : text + padding
}

/// A moment as UTC date and time to the second: "2026-12-03 18:42:07".
func timestamp(_ seconds: Double) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
        + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
}

extension Output {
    /// Writes a value as one line of JSON with snake_case keys, sorted.
    func jsonLine<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        write(Array(try encoder.encode(value)) + [0x0a])
    }
}
