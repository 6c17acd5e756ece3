@preconcurrency import Glibc
import TriageKit

/// The terminal settings to put back, shared with the signal handlers that restore
/// them when the process is interrupted or crashes. Written once before raw mode
/// starts and only read afterwards.
nonisolated(unsafe) private var savedSettings = termios()
nonisolated(unsafe) private var rawModeActive: Int32 = 0
/// Set by SIGWINCH; the key loop redraws when it sees it.
nonisolated(unsafe) private var windowResized: Int32 = 0

/// What leaving full-screen mode writes: cursor shown, attributes reset, the
/// alternate screen left (so the shell's screen comes back).
private let leaveSequence: [UInt8] = Array("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l".utf8)

/// Restores the saved settings; safe in a signal handler (only `tcsetattr` and
/// `write`).
private func restoreTerminal() {
    guard rawModeActive != 0 else { return }
    rawModeActive = 0
    _ = withUnsafePointer(to: &savedSettings) { tcsetattr(0, TCSAFLUSH, $0) }
    _ = leaveSequence.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

/// Signals after which the terminal must not be left raw: interruptions and
/// crashes (a Swift runtime trap arrives as SIGILL or SIGTRAP).
private let restoringSignals: [Int32] = [
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE,
]

/// A key, decoded from the bytes a terminal sends.
enum Key: Equatable {
    case character(Character)
    case enter
    case backspace
    case escape
    case tab
    case up
    case down
    case interrupt
    case endOfInput
}

/// The controlling terminal in raw mode, full screen: keys one at a time without
/// echo, the screen drawn by the program. Everything is put back by `restore()`,
/// at exit, and on the signals that would otherwise leave a broken terminal.
final class RawTerminal {
    private var pending: [UInt8] = []

    /// Whether standard input and output are both terminals, so full-screen review
    /// can work.
    static var isAvailable: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// Enters raw mode and the alternate screen.
    ///
    /// - Throws: `TriageError` when the terminal refuses the settings.
    init() throws {
        guard tcgetattr(0, &savedSettings) == 0 else {
            throw TriageError(
                .io,
                "cannot read the terminal's settings: \(String(cString: strerror(errno)))")
        }
        var raw = savedSettings
        cfmakeraw(&raw)
        // Output post-processing stays on so that "\n" still returns the carriage.
        raw.c_oflag |= tcflag_t(OPOST | ONLCR)
        withUnsafeMutableBytes(of: &raw.c_cc) { bytes in
            bytes[Int(VMIN)] = 1
            bytes[Int(VTIME)] = 0
        }

        // A parent may have started us with signals blocked (thread pools do); the
        // handlers below only help if these can arrive.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in restoringSignals + [SIGWINCH] { sigaddset(&unblocked, number) }
        sigprocmask(SIG_UNBLOCK, &unblocked, nil)

        for number in restoringSignals {
            signal(number) { number in
                restoreTerminal()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
        atexit { restoreTerminal() }

        // No SA_RESTART: a resize interrupts the wait for a key, so the screen is
        // redrawn at once.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in windowResized = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGWINCH, &action, nil)

        guard tcsetattr(0, TCSAFLUSH, &raw) == 0 else {
            throw TriageError(
                .io,
                "cannot put the terminal in raw mode: \(String(cString: strerror(errno)))")
        }
        rawModeActive = 1
        write("\u{1B}[?1049h\u{1B}[?25l")
    }

    /// Leaves raw mode and the alternate screen.
    func restore() { restoreTerminal() }

    /// Columns and rows, or 80 × 24 when the terminal does not say.
    var size: (columns: Int, rows: Int) {
        var window = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0
        else { return (80, 24) }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    /// Whether the window changed size since the last call.
    func takeResize() -> Bool {
        let resized = windowResized != 0
        windowResized = 0
        return resized
    }

    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                Glibc.write(1, $0.baseAddress! + offset, $0.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += count
        }
        bytes.removeAll()
    }

    /// The next key, or `nil` when `timeout` milliseconds pass or the window is
    /// resized first.
    func readKey(timeout: Int32) -> Key? {
        if let key = decode() { return key }
        var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeout)
        guard ready > 0 else { return nil }
        var chunk = [UInt8](repeating: 0, count: 256)
        let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count == 0 { return .endOfInput }
        guard count > 0 else { return errno == EINTR || errno == EAGAIN ? nil : .endOfInput }
        pending.append(contentsOf: chunk[0..<count])
        return decode()
    }

    /// Takes one key off the front of the bytes read so far.
    private func decode() -> Key? {
        guard let first = pending.first else { return nil }
        switch first {
        case 0x1B:
            // An escape sequence arrives in one read; a lone escape is the Esc key.
            if pending.count >= 3,
                pending[1] == UInt8(ascii: "[") || pending[1] == UInt8(ascii: "O")
            {
                var end = 2
                while end < pending.count, !(0x40...0x7E).contains(pending[end]) { end += 1 }
                guard end < pending.count else {
                    pending.removeAll()
                    return .escape
                }
                let final = pending[end]
                pending.removeFirst(end + 1)
                switch final {
                case UInt8(ascii: "A"): return .up
                case UInt8(ascii: "B"): return .down
                default: return decode()
                }
            }
            pending.removeFirst()
            return .escape
        case 0x0D, 0x0A:
            pending.removeFirst()
            return .enter
        case 0x7F, 0x08:
            pending.removeFirst()
            return .backspace
        case 0x09:
            pending.removeFirst()
            return .tab
        case 0x03:
            pending.removeFirst()
            return .interrupt
        case 0x04:
            pending.removeFirst()
            return .endOfInput
        case 0..<0x20:
            pending.removeFirst()
            return decode()
        default:
            // One UTF-8 character: its length comes from the lead byte.
            let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
            guard pending.count >= length else { return nil }
            let bytes = Array(pending[0..<length])
            pending.removeFirst(length)
            guard let text = String(validating: bytes, as: UTF8.self), let character = text.first
            else { return decode() }
            return .character(character)
        }
    }
}
