#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How the review queue stores a case's label probabilities: the JSON that
/// `JSONEncoder` with `.sortedKeys` writes for `[LabelProbability]`, such as
/// `[{"label":"billing","probability":0.82},{"label":"refund","probability":0.1}]`.
///
/// `JSONEncoder` costs about 5 µs per case here, a quarter of the time `enqueue`
/// spends on a large batch, so plain labels are written by hand into the very same
/// bytes: a number is Swift's shortest round-trip `description` without a trailing
/// `.0`, and a label needs no escaping when it has no quote, backslash, slash or
/// control character. Any other label goes through `JSONEncoder` itself. A test
/// checks that both writers agree byte for byte. Reading always uses `JSONDecoder`.
struct ProbabilityJSON {
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    private let decoder = JSONDecoder()

    /// The JSON text of `probabilities`.
    ///
    /// - Throws: what `JSONEncoder` throws, for a probability that is not finite.
    func encode(_ probabilities: [LabelProbability]) throws -> String {
        guard probabilities.allSatisfy(ProbabilityJSON.isPlain) else {
            return String(decoding: try encoder.encode(probabilities), as: UTF8.self)
        }
        var json = "["
        for (index, item) in probabilities.enumerated() {
            if index > 0 { json += "," }
            json += "{\"label\":\""
            json += item.label
            json += "\",\"probability\":"
            json += ProbabilityJSON.number(item.probability)
            json += "}"
        }
        json += "]"
        return json
    }

    /// The probabilities in `json`.
    ///
    /// - Throws: what `JSONDecoder` throws for text that is not such an array.
    func decode(_ json: String) throws -> [LabelProbability] {
        try decoder.decode([LabelProbability].self, from: Data(json.utf8))
    }

    /// Whether the hand-written form of `item` is what `JSONEncoder` writes.
    private static func isPlain(_ item: LabelProbability) -> Bool {
        guard item.probability.isFinite else { return false }
        return item.label.utf8.allSatisfy { byte in
            byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
                && byte != UInt8(ascii: "/")
        }
    }

    /// A finite number as `JSONEncoder` writes it: `1` for 1.0, `1e-07` for 1e-7.
    private static func number(_ value: Double) -> String {
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
