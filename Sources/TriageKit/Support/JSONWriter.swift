/// Writes JSON text into a byte buffer, fast enough for one object per classified input.
///
/// Foundation's encoder builds an intermediate tree and sorts keys per object; output
/// lines are written here directly, keys in the order given. Strings are escaped as
/// RFC 8259 requires; non-ASCII text passes through as UTF-8.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []
    /// A key was just written, so the next value follows its colon directly.
    private var afterKey = false

    public init() {}

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma.removeAll(keepingCapacity: true)
        afterKey = false
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma.removeLast()
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma.removeLast()
    }

    /// Writes an object key; the next value written belongs to it.
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func value(_ string: String) {
        separate()
        appendString(string)
    }

    public mutating func value(_ number: Int) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
    }

    public mutating func value(_ number: Int64) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
    }

    /// Writes a number rounded to `places` decimals (at most 15), in plain decimal
    /// notation without trailing zeros; NaN and infinities become `null`.
    public mutating func value(_ number: Double, places: Int = 6) {
        separate()
        let places = min(max(places, 0), 15)
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(number) * scale).rounded()
        guard number.isFinite, scaled < 9e18 else {
            // Out of plain range: the shortest form that reads back, or null.
            bytes.append(contentsOf: (number.isFinite ? number.description : "null").utf8)
            return
        }
        var units = UInt64(scaled)
        if number < 0 && units > 0 { bytes.append(UInt8(ascii: "-")) }

        // Digits of the fraction, least significant first, trailing zeros dropped.
        var fraction: [UInt8] = []
        var keep = false
        for _ in 0..<places {
            let digit = UInt8(units % 10)
            units /= 10
            if digit != 0 { keep = true }
            if keep { fraction.append(0x30 + digit) }
        }
        bytes.append(contentsOf: String(units).utf8)
        if !fraction.isEmpty {
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: fraction.reversed())
        }
    }

    public mutating func value(_ flag: Bool) {
        separate()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Commas between members and elements: the first value in a container gets none.
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] {
            bytes.append(UInt8(ascii: ","))
        } else {
            needsComma[needsComma.count - 1] = true
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c }) {
            bytes.append(contentsOf: string.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""):
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"):
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0a:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0d:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0xf)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes `[{"label": …, "probability": …}, …]`.
    public mutating func value(_ labels: [LabelProbability]) {
        beginArray()
        for entry in labels {
            beginObject()
            key("label")
            value(entry.label)
            key("probability")
            value(entry.probability)
            endObject()
        }
        endArray()
    }

    /// Writes an array of strings.
    public mutating func value(_ strings: [String]) {
        beginArray()
        for string in strings { value(string) }
        endArray()
    }
}
