import FoundationEssentials

/// A value of a manifest's JSON form, kept exactly so two manifests compare field by
/// field without knowing their layout.
///
/// Numbers keep the shortest text that reads back as the stored value (`300`, `0.95`,
/// `1e-05`), so equal text means equal numbers and a seed above 2^53 loses no digit.
public enum ManifestValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([ManifestValue])
    case object([String: ManifestValue])

    /// The value of a manifest, or of any part of one, as stored: snake_case keys.
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let bytes = try encoder.encode(value)
        self = try JSONDecoder().decode(ManifestValue.self, from: bytes)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(UInt64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(value.description)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ManifestValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ManifestValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let text):
            if let value = Int64(text) {
                try container.encode(value)
            } else if let value = UInt64(text) {
                try container.encode(value)
            } else {
                try container.encode(Double(text) ?? .nan)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The number, for a `.number`; `nil` otherwise.
    public var double: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }

    /// The value for people: numbers and strings as they are, short arrays and objects
    /// as compact JSON, long ones by their size ("[150 items]").
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text): return text
        case .string(let value): return value
        case .array(let items):
            let text = "[" + items.map(\.jsonText).joined(separator: ", ") + "]"
            return text.count <= 40 ? text : "[\(items.count) items]"
        case .object(let fields):
            let text = jsonText
            return text.count <= 40 ? text : "{\(fields.count) fields}"
        }
    }

    /// Compact JSON with sorted keys.
    private var jsonText: String {
        switch self {
        case .string(let value):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
                ?? value
        case .array(let items):
            return "[" + items.map(\.jsonText).joined(separator: ", ") + "]"
        case .object(let fields):
            let pairs = fields.sorted { $0.key < $1.key }.map {
                ManifestValue.string($0.key).jsonText + ": " + $0.value.jsonText
            }
            return "{" + pairs.joined(separator: ", ") + "}"
        default:
            return description
        }
    }

    /// The value's leaves by dotted path: an object opens into its fields, an array
    /// of objects that each have a distinct string `name` opens by those names
    /// (`inputs.text.kind`), and anything else is a leaf, arrays compared whole.
    ///
    /// - Parameter prefix: the path of this value; empty for the root.
    public func leaves(prefix: String = "") -> [String: ManifestValue] {
        func path(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }
        switch self {
        case .object(let fields):
            var result: [String: ManifestValue] = [:]
            for (key, value) in fields {
                result.merge(value.leaves(prefix: path(key))) { first, _ in first }
            }
            return result
        case .array(let items):
            let names = items.compactMap { item -> String? in
                guard case .object(let fields) = item, case .string(let name)? = fields["name"]
                else { return nil }
                return name
            }
            guard !items.isEmpty, names.count == items.count, Set(names).count == names.count
            else { return [prefix: self] }
            var result: [String: ManifestValue] = [:]
            for (name, item) in zip(names, items) {
                guard case .object(var fields) = item else { continue }
                fields["name"] = nil
                result.merge(ManifestValue.object(fields).leaves(prefix: path(name))) {
                    first, _ in first
                }
            }
            return result
        default:
            return [prefix: self]
        }
    }
}
