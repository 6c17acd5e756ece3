/// A declared option of a command.
struct OptionSpec: Sendable {
    enum Kind: Sendable {
        /// Present or absent: `--json`.
        case flag
        /// Takes one value: `--model NAME` or `--model=NAME`.
        case value(placeholder: String)
        /// Takes a value and may repeat: `--data A --data B`.
        case repeated(placeholder: String)
    }

    /// The long name without dashes.
    let name: String
    let short: Character?
    let kind: Kind
    let help: String
    /// Shown in help; the command applies it.
    let defaultValue: String?

    static func flag(_ name: String, short: Character? = nil, _ help: String) -> OptionSpec {
        OptionSpec(name: name, short: short, kind: .flag, help: help, defaultValue: nil)
    }

    static func value(
        _ name: String, _ placeholder: String, _ help: String, default defaultValue: String? = nil
    ) -> OptionSpec {
        OptionSpec(
            name: name, short: nil, kind: .value(placeholder: placeholder), help: help,
            defaultValue: defaultValue)
    }

    static func repeated(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(
            name: name, short: nil, kind: .repeated(placeholder: placeholder), help: help,
            defaultValue: nil)
    }

    var takesValue: Bool {
        if case .flag = kind { return false }
        return true
    }

    /// How the option reads in usage lines: `--model NAME`.
    var synopsis: String {
        switch kind {
        case .flag: "--\(name)"
        case .value(let placeholder), .repeated(let placeholder): "--\(name) \(placeholder)"
        }
    }
}

/// A declared positional argument.
struct PositionalSpec: Sendable {
    let name: String
    let help: String
    var optional = false
}

/// A command: its place in the tree, what it accepts, and what it does.
struct CommandSpec: Sendable {
    /// Words after `triage`: `["review", "label"]`.
    let path: [String]
    let summary: String
    /// Longer help text, shown under the usage line.
    var discussion: String = ""
    var options: [OptionSpec] = []
    var positionals: [PositionalSpec] = []
    let run: @Sendable (ParsedArguments, Context) throws -> Void

    var fullName: String { (["triage"] + path).joined(separator: " ") }
}

/// What the parser found, with typed accessors that turn bad values into usage errors.
struct ParsedArguments {
    let command: CommandSpec
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func value(_ name: String) -> String? { values[name]?.last }

    func values(_ name: String) -> [String] { values[name] ?? [] }

    func positional(_ index: Int) -> String? {
        index < positionals.count ? positionals[index] : nil
    }

    func double(_ name: String) throws -> Double? {
        guard let text = value(name) else { return nil }
        guard let number = Double(text), number.isFinite else {
            throw UsageError("option '--\(name)' needs a number, got '\(text)'", command: command)
        }
        return number
    }

    func integer(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else {
            throw UsageError(
                "option '--\(name)' needs a whole number, got '\(text)'", command: command)
        }
        return number
    }

    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = value(name) else { return nil }
        guard allowed.contains(text) else {
            throw UsageError(
                "option '--\(name)' must be one of \(allowed.joined(separator: ", ")), got '\(text)'",
                command: command)
        }
        return text
    }
}

/// A mistake in how the command was typed: reported on one line, exit status 64.
struct UsageError: Error {
    let message: String
    let command: CommandSpec?

    init(_ message: String, command: CommandSpec?) {
        self.message = message
        self.command = command
    }
}
