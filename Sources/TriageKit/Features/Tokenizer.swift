/// Splits text into lower-cased words.
///
/// A word is a run of letters, digits, combining marks and underscores, in any script.
/// An apostrophe between two word characters stays inside the word ("don't"), and the
/// typographic apostrophe is read as the ASCII one. Everything else separates words.
/// ASCII text takes a fast path; other scalars are classified by their Unicode
/// properties and lower-cased by their full lower-case mapping.
///
/// - Complexity: O(*n*) in the UTF-8 length of the text.
///
/// TODO: scripts written without spaces (Chinese, Japanese, Thai) come out as one word
/// per run — character n-grams still see inside them, but a segmenter would do better;
/// none ships with the toolchain.
struct Tokenizer {
    /// The current word's UTF-8 bytes; reused between calls to avoid allocation.
    private var word: [UInt8] = []

    init() {
        word.reserveCapacity(64)
    }

    /// Calls `body` with the bytes of each word of `text`, in order.
    mutating func forEachWord(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        word.removeAll(keepingCapacity: true)
        var pendingApostrophe = false

        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                if Self.isASCIIWordByte(byte) {
                    if pendingApostrophe {
                        word.append(UInt8(ascii: "'"))
                        pendingApostrophe = false
                    }
                    word.append(Self.asciiLowercased(byte))
                    continue
                }
                if byte == UInt8(ascii: "'"), !word.isEmpty, !pendingApostrophe {
                    pendingApostrophe = true
                    continue
                }
            } else if Self.isWordScalar(scalar) {
                if pendingApostrophe {
                    word.append(UInt8(ascii: "'"))
                    pendingApostrophe = false
                }
                appendLowercased(scalar)
                continue
            } else if value == 0x2019, !word.isEmpty, !pendingApostrophe {
                pendingApostrophe = true
                continue
            }

            // A separator ends the current word; a trailing apostrophe is dropped.
            pendingApostrophe = false
            if !word.isEmpty {
                word.withUnsafeBufferPointer(body)
                word.removeAll(keepingCapacity: true)
            }
        }
        if !word.isEmpty {
            word.withUnsafeBufferPointer(body)
        }
    }

    /// The words of `text` as strings; for tests and diagnostics, not the hot path.
    mutating func words(in text: String) -> [String] {
        var result: [String] = []
        forEachWord(in: text) { result.append(String(decoding: $0, as: UTF8.self)) }
        return result
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

    private mutating func appendLowercased(_ scalar: Unicode.Scalar) {
        let properties = scalar.properties
        if properties.changesWhenLowercased {
            word.append(contentsOf: properties.lowercaseMapping.utf8)
        } else {
            word.append(contentsOf: String(scalar).utf8)
        }
    }
}
