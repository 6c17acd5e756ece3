import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns one line of JSON Lines into named cells with Foundation's `JSONDecoder`.
///
/// Values become text: a string as is; a number in its shortest form, whole numbers
/// without a fraction (`3`, `3.0` and `3e0` all give `"3"`, `2.5` gives `"2.5"`,
/// integers beyond 2^53 keep every digit); `true`/`false`; `null` becomes `nil`. An
/// array or object becomes its JSON text with keys sorted, so metadata next to the
/// inputs does no harm and a nested value used as text still reads sensibly.
///
/// `JSONDecoder` reads objects into dictionaries, which forget the order of keys. The
/// order is recovered through a custom key decoding strategy, which the decoder calls
/// once per key in document order while it reads the object.
final class JSONLineDecoder {
    /// Why a line could not be read.
    enum Failure: Error, Equatable {
        /// The line is not JSON at all.
        case invalidJSON
        /// The line is JSON, but not an object.
        case notAnObject
        /// The value under `key` is a number that does not fit a `Double`.
        case unreadableNumber(key: String)
    }

    private let decoder = JSONDecoder()
    private let keyOrder = KeyOrder()

    init() {
        let keyOrder = self.keyOrder
        decoder.keyDecodingStrategy = .custom { path in
            guard let key = path.last else { return AnyKey(stringValue: "") }
            keyOrder.keys.withLock { $0.append(key.stringValue) }
            return key
        }
    }

    /// The keys and values of the object in `line`, in the order the keys appear.
    ///
    /// A key repeated within the object appears once, with the value `JSONDecoder`
    /// keeps for it.
    ///
    /// - Throws: `Failure` saying what is wrong with the line.
    /// - Complexity: O(*n*) in the length of the line.
    func decode(
        _ line: UnsafeBufferPointer<UInt8>
    ) throws(Failure) -> [(String, String?)] {
        // Decode the values, recording the key order as a side effect.
        keyOrder.keys.withLock { $0.removeAll(keepingCapacity: true) }
        let object: ObjectLine
        do {
            object = try decoder.decode(ObjectLine.self, from: Data(buffer: line))
        } catch let failure as Failure {
            throw failure
        } catch DecodingError.typeMismatch {
            throw .notAnObject
        } catch {
            throw .invalidJSON
        }

        // Pair each key, first appearance only, with its value.
        var seen = Set<String>()
        var pairs: [(String, String?)] = []
        pairs.reserveCapacity(object.values.count)
        for key in keyOrder.keys.withLock({ $0 }) where seen.insert(key).inserted {
            guard let value = object.values[key] else { continue }
            pairs.append((key, value))
        }
        return pairs
    }
}

/// The keys of the object being decoded, in the order the decoder met them.
///
/// The key decoding strategy must be `Sendable`, hence the lock, though the decoder
/// calls it synchronously on the decoding thread.
private final class KeyOrder: Sendable {
    let keys = Mutex<[String]>([])
}

/// Any key of a JSON object.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A top-level JSON object whose values are all scalars.
private struct ObjectLine: Decodable {
    var values: [String: String?] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        values.reserveCapacity(container.allKeys.count)
        for key in container.allKeys {
            let value = try container.decode(ScalarText.self, forKey: key)
            values[key.stringValue] = value.text
        }
    }
}

/// One JSON scalar as text, or `nil` for `null`.
private struct ScalarText: Decodable {
    var text: String?

    /// The largest magnitude below which every whole `Double` is an exact integer.
    private static let exactIntegerLimit = 9_007_199_254_740_992.0

    init(from decoder: any Decoder) throws {
        let key = decoder.codingPath.last?.stringValue ?? ""
        let container = try decoder.singleValueContainer()

        // The common cases first: each failed attempt costs a thrown error.
        if container.decodeNil() {
            text = nil
        } else if let string = try? container.decode(String.self) {
            text = string
        } else if let bool = try? container.decode(Bool.self) {
            text = bool ? "true" : "false"
        } else if let integer = try? container.decode(Int.self) {
            text = String(integer)
        } else if let integer = try? container.decode(UInt64.self) {
            text = String(integer)
        } else if let decimal = try? container.decode(Decimal.self), decimal.isWhole {
            text = decimal.description
        } else if let double = try? container.decode(Double.self) {
            if double.rounded() == double, abs(double) < Self.exactIntegerLimit {
                text = String(Int(double))
            } else {
                text = String(double)
            }
        } else if let nested = try? container.decode(JSONValue.self) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            text = (try? encoder.encode(nested)).map { String(decoding: $0, as: UTF8.self) }
        } else {
            throw JSONLineDecoder.Failure.unreadableNumber(key: key)
        }
    }
}

extension Decimal {
    /// Whether the value has no fractional part: its text has no decimal point or
    /// exponent.
    fileprivate var isWhole: Bool {
        !description.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    }
}

/// Any JSON value, to re-encode arrays and objects found in a cell.
private enum JSONValue: Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
