import Foundation

/// Splits text into normalised words.
///
/// Normalisation, in order:
/// - Unicode NFKC, so full-width letters, ligatures and composed accents compare
///   equal to their plain forms (skipped for ASCII text, which NFKC leaves alone);
/// - case folding: ASCII lower-casing, and for other scripts the lower case of the
///   upper case, which folds "ß" to "ss" and final sigma to sigma;
/// - a web address (`http://…`, `https://…`, `www.…`) becomes the word `<url>` followed
///   by its host name as one word, and an e-mail address `<email>` followed by its
///   domain, so links count as links rather than as fragments of paths;
/// - a run of five or more digits becomes `<number:N>` with N its length (capped at
///   12), so phone and account numbers generalise; shorter numbers stay as written.
///
/// A word is then a run of letters, digits, combining marks and underscores, in any
/// script. An apostrophe between two word characters stays inside the word ("don't"),
/// and the typographic apostrophe reads as the ASCII one. Everything else separates
/// words.
///
/// Changing any rule here changes the features of every saved model: the rules are
/// versioned by `TextFeatureSettings.tokenizer`.
///
/// - Complexity: O(*n*) in the UTF-8 length of the text.
///
/// TODO: scripts written without spaces (Chinese, Japanese, Thai) come out as one word
/// per run — character n-grams still see inside them, but a segmenter would do better;
/// none ships with the toolchain.
struct Tokenizer {
    /// The current word's UTF-8 bytes; reused between calls to avoid allocation.
    private var word: [UInt8] = []
    private var pendingApostrophe = false

    init() {
        word.reserveCapacity(64)
    }

    /// Calls `body` with the bytes of each word of `text`, in order.
    mutating func forEachWord(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        var hasNonASCII = false
        var mayHaveAddress = false
        var previous: (UInt8, UInt8, UInt8) = (0, 0, 0)
        for byte in text.utf8 {
            if byte >= 0x80 { hasNonASCII = true }
            // "@", "://" or "www." (any case) may start an address.
            let lower = byte | 0x20
            if byte == UInt8(ascii: "@")
                || (byte == UInt8(ascii: "/") && previous.1 == UInt8(ascii: ":")
                    && previous.2 == UInt8(ascii: "/"))
                || (byte == UInt8(ascii: ".") && previous == (0x77, 0x77, 0x77))
            {
                mayHaveAddress = true
            }
            previous = (previous.1, previous.2, byte >= 0x41 && byte <= 0x5a ? lower : byte)
        }
        if hasNonASCII { text = text.precomposedStringWithCompatibilityMapping }

        word.removeAll(keepingCapacity: true)
        pendingApostrophe = false
        guard mayHaveAddress else {
            scan(text.unicodeScalars[...], body)
            finishWord(body)
            return
        }

        // Addresses are whitespace-delimited chunks; everything else is scanned as
        // usual.
        var chunkStart = text.unicodeScalars.startIndex
        var index = chunkStart
        let scalars = text.unicodeScalars
        while true {
            let atEnd = index == scalars.endIndex
            if atEnd || Self.isWhitespace(scalars[index]) {
                if chunkStart < index {
                    let chunk = scalars[chunkStart..<index]
                    if let address = Self.address(in: chunk) {
                        finishWord(body)
                        emit(address.kind, body)
                        emit(address.host, body)
                    } else {
                        scan(chunk, body)
                        finishWord(body)
                    }
                }
                if atEnd { break }
                chunkStart = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        finishWord(body)
    }

    /// The words of `text` as strings; for tests and diagnostics, not the hot path.
    mutating func words(in text: String) -> [String] {
        var result: [String] = []
        forEachWord(in: text) { result.append(String(decoding: $0, as: UTF8.self)) }
        return result
    }

    private mutating func scan(
        _ scalars: String.UnicodeScalarView.SubSequence,
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        for scalar in scalars {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                if Self.isASCIIWordByte(byte) {
                    appendApostropheIfPending()
                    word.append(Self.asciiLowercased(byte))
                    continue
                }
                if byte == UInt8(ascii: "'"), !word.isEmpty, !pendingApostrophe {
                    pendingApostrophe = true
                    continue
                }
            } else if Self.isWordScalar(scalar) {
                appendApostropheIfPending()
                appendFolded(scalar)
                continue
            } else if value == 0x2019, !word.isEmpty, !pendingApostrophe {
                pendingApostrophe = true
                continue
            }

            // A separator ends the current word; a trailing apostrophe is dropped.
            finishWord(body)
        }
    }

    private mutating func appendApostropheIfPending() {
        if pendingApostrophe {
            word.append(UInt8(ascii: "'"))
            pendingApostrophe = false
        }
    }

    /// Hands the current word to `body`, long numbers replaced by their shape.
    private mutating func finishWord(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        pendingApostrophe = false
        guard !word.isEmpty else { return }
        if word.count >= 5 && word.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            let shape = "<number:\(min(word.count, 12))>"
            word.removeAll(keepingCapacity: true)
            word.append(contentsOf: shape.utf8)
        }
        word.withUnsafeBufferPointer(body)
        word.removeAll(keepingCapacity: true)
    }

    private mutating func emit(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        word.removeAll(keepingCapacity: true)
        word.append(contentsOf: text.utf8)
        word.withUnsafeBufferPointer(body)
        word.removeAll(keepingCapacity: true)
    }

    /// A web or e-mail address filling a whole chunk (surrounding punctuation
    /// allowed), as its kind and lower-cased host.
    static func address(
        in chunk: String.UnicodeScalarView.SubSequence
    ) -> (kind: String, host: String)? {
        var text = String(String.UnicodeScalarView(chunk)).lowercased()
        while let first = text.first, edges.contains(first) { text.removeFirst() }
        while let last = text.last, edges.contains(last) { text.removeLast() }

        var rest = Substring(text)
        if rest.hasPrefix("http://") || rest.hasPrefix("https://") {
            rest = rest[rest.index(rest.firstIndex(of: ":") ?? rest.startIndex, offsetBy: 3)...]
        } else if !rest.hasPrefix("www.") {
            // An e-mail address: something@domain.tld.
            guard let at = rest.firstIndex(of: "@"), at != rest.startIndex else { return nil }
            let domain = rest[rest.index(after: at)...]
            guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
                domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
            else { return nil }
            return ("<email>", String(domain))
        }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != ":" }
        guard !host.isEmpty else { return nil }
        return ("<url>", String(host.hasPrefix("www.") ? host.dropFirst(4) : host))
    }

    /// Punctuation that may wrap an address without being part of it.
    private static let edges: Set<Character> = [
        "(", ")", "<", ">", "[", "]", "\"", "'", ",", ";", "!", "?", ".",
    ]

    @inline(__always)
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80
            ? scalar == " " || (0x09...0x0d).contains(scalar.value)
            : scalar.properties.isWhitespace
    }

    @inline(__always)
    private static func isASCIIWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a)
            || (byte >= 0x30 && byte <= 0x39) || byte == 0x5f
    }

    @inline(__always)
    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5a) ? byte | 0x20 : byte
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber,
            .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation:
            return true
        default:
            return false
        }
    }

    /// Appends the case-folded form of a non-ASCII scalar.
    private mutating func appendFolded(_ scalar: Unicode.Scalar) {
        let properties = scalar.properties
        if properties.changesWhenCaseFolded {
            for folded in properties.uppercaseMapping.unicodeScalars {
                word.append(contentsOf: folded.properties.lowercaseMapping.utf8)
            }
        } else {
            word.append(contentsOf: String(scalar).utf8)
        }
    }
}
