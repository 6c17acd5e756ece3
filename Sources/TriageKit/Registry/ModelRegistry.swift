import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// A model version as loaded from the registry.
public struct LoadedModel: Sendable {
    public let manifest: ModelManifest
    public let classifier: Classifier
    /// The version's folder.
    public let path: String
}

/// What a training run hands to the registry to publish as a new version.
public struct ModelArtifacts: Sendable {
    public var manifest: ModelManifest
    public var classifier: Classifier
    /// Examples the version was trained on, as JSON Lines, so a retrain can reuse
    /// them without the original files.
    public var trainingData: [UInt8]
    /// The calibration split, as JSON Lines.
    public var calibrationData: [UInt8]

    public init(
        manifest: ModelManifest, classifier: Classifier, trainingData: [UInt8],
        calibrationData: [UInt8]
    ) {
        self.manifest = manifest
        self.classifier = classifier
        self.trainingData = trainingData
        self.calibrationData = calibrationData
    }
}

/// The folder of trained models: `models/NAME/versions/N/` per version and
/// `models/NAME/CURRENT` naming the version in use.
///
/// A version is written in full into a hidden staging folder, flushed, and renamed
/// into place; only then does `CURRENT` move, by an atomic rename of its own. A
/// process killed at any point leaves the previous current version intact and no
/// half-written version visible.
public struct ModelRegistry: Sendable {
    /// The `models` folder.
    public let root: String

    public init(home: String) {
        root = home.hasSuffix("/") ? "\(home)models" : "\(home)/models"
    }

    static let weightsFile = "weights.bin"
    static let manifestFile = "manifest.json"
    static let trainingFile = "training.jsonl"
    static let calibrationFile = "calibration.jsonl"

    /// Model names are folder names: letters, digits, `.`, `_` and `-`, not starting
    /// with a dot.
    public static func validate(name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                || $0 == "." || $0 == "_" || $0 == "-"
        }
        guard !name.isEmpty, allowed, !name.hasPrefix("."), name.count <= 100 else {
            throw TriageError.invalidArgument(
                "model name \"\(name)\" is not allowed",
                remedy: "use letters, digits, '.', '_' and '-', not starting with '.'")
        }
    }

    public func modelPath(_ name: String) -> String { "\(root)/\(name)" }

    public func versionPath(_ name: String, _ version: Int) -> String {
        "\(root)/\(name)/versions/\(version)"
    }

    /// Names of the models in the registry.
    public func modelNames() -> [String] {
        FileIO.contents(of: root).filter {
            !$0.hasPrefix(".") && FileIO.isDirectory("\(root)/\($0)/versions")
        }
    }

    /// Published versions of a model, in increasing order.
    public func versions(_ name: String) -> [Int] {
        FileIO.contents(of: "\(modelPath(name))/versions").compactMap(Int.init).sorted()
    }

    /// The current version of a model.
    ///
    /// - Throws: `modelNotFound` when the model has none.
    public func currentVersion(_ name: String) throws -> Int {
        try ModelRegistry.validate(name: name)
        let pointer = "\(modelPath(name))/CURRENT"
        guard FileIO.exists(pointer) else {
            if let latest = versions(name).last {
                throw TriageError(
                    .modelNotFound, "model \"\(name)\" has versions but none is current",
                    at: SourceLocation(file: pointer),
                    remedy:
                        "make one current with `triage models promote \(latest) --model \(name)`")
            }
            let known = modelNames().filter { !versions($0).isEmpty }
            if FileIO.isDirectory(modelPath(name)) {
                throw TriageError(
                    .modelNotFound,
                    "model \"\(name)\" has no published version yet (was its training stopped?)",
                    at: SourceLocation(file: modelPath(name)),
                    remedy: "train it with `triage train --model \(name) --data FILE`")
            }
            throw TriageError(
                .modelNotFound, "no model named \"\(name)\" in \(root)",
                remedy: known.isEmpty
                    ? "train one with `triage train --data FILE`"
                    : "known models: \(known.joined(separator: ", "))")
        }
        let text = String(decoding: try FileIO.read(pointer), as: UTF8.self)
        guard let version = Int(text.filter { !$0.isWhitespace }), version > 0 else {
            throw TriageError(
                .modelCorrupt, "the current-version pointer is damaged",
                at: SourceLocation(file: pointer),
                remedy:
                    "make a version current with `triage models promote VERSION --model \(name)`")
        }
        return version
    }

    /// Loads a version, the current one by default.
    public func load(_ name: String, version: Int? = nil) throws -> LoadedModel {
        let number = try version ?? currentVersion(name)
        let folder = versionPath(name, number)
        guard FileIO.isDirectory(folder) else {
            throw TriageError(
                .modelNotFound, "model \"\(name)\" has no version \(number)",
                remedy: "versions: \(versions(name).map(String.init).joined(separator: ", "))")
        }
        let manifest = try readManifest(folder)
        let weightsPath = "\(folder)/\(Self.weightsFile)"
        let (vocabulary, model) = try WeightsFile.load(path: weightsPath)
        guard model.classCount == manifest.labels.count else {
            throw TriageError(
                .modelCorrupt,
                "weights have \(model.classCount) classes but the manifest lists \(manifest.labels.count) labels",
                at: SourceLocation(file: folder))
        }
        let classifier = Classifier(
            labels: manifest.labels,
            featurizer: Featurizer(
                inputs: manifest.inputs, text: manifest.features, vocabulary: vocabulary),
            model: model, calibrator: try manifest.calibration.calibrator(),
            deferral: manifest.deferral)
        return LoadedModel(manifest: manifest, classifier: classifier, path: folder)
    }

    /// Reads a version's manifest alone, without its weights.
    public func manifest(_ name: String, version: Int) throws -> ModelManifest {
        try readManifest(versionPath(name, version))
    }

    private func readManifest(_ folder: String) throws -> ModelManifest {
        let path = "\(folder)/\(Self.manifestFile)"
        let bytes = try FileIO.read(path)
        let manifest: ModelManifest
        do {
            manifest = try Self.decoder.decode(ModelManifest.self, from: Data(bytes))
        } catch {
            throw TriageError(
                .modelCorrupt, "the manifest cannot be read: \(Self.describe(error))",
                at: SourceLocation(file: path),
                remedy:
                    "retrain, or make another version current with `triage models promote VERSION`")
        }
        guard manifest.format <= ModelManifest.currentFormat else {
            throw TriageError(
                .modelCorrupt, "manifest format \(manifest.format) is newer than this Triage reads",
                at: SourceLocation(file: path), remedy: "upgrade Triage")
        }
        return manifest
    }

    /// Reads one of a version's stored data files.
    public func storedData(_ name: String, version: Int, file: String) throws -> [UInt8] {
        try FileIO.read("\(versionPath(name, version))/\(file)")
    }

    /// Publishes a new version and makes it current. The manifest's `version` is
    /// assigned here.
    ///
    /// - Returns: the version number.
    @discardableResult
    public func publish(_ name: String, _ artifacts: ModelArtifacts, makeCurrent: Bool = true)
        throws -> Int
    {
        try ModelRegistry.validate(name: name)
        let model = modelPath(name)
        let versionsFolder = "\(model)/versions"
        try FileIO.makeDirectories(versionsFolder)
        removeAbandonedStaging(in: model)

        // Stage every file in a hidden folder first.
        let staging = "\(model)/.staging-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileIO.makeDirectories(staging)
        var number = (versions(name).last ?? 0) + 1
        do {
            var manifest = artifacts.manifest
            manifest.name = name
            manifest.version = number
            let classifier = artifacts.classifier
            try FileIO.writeNew(
                "\(staging)/\(Self.weightsFile)",
                WeightsFile.encode(
                    vocabulary: classifier.featurizer.vocabulary, model: classifier.model))
            try FileIO.writeNew("\(staging)/\(Self.trainingFile)", artifacts.trainingData)
            try FileIO.writeNew("\(staging)/\(Self.calibrationFile)", artifacts.calibrationData)
            try FileIO.writeNew("\(staging)/\(Self.manifestFile)", try encode(manifest))
            try FileIO.syncDirectory(staging)

            // Rename into place; if another trainer took the number meanwhile, take
            // the next one (the manifest names its own version, so rewrite it).
            while rename(staging, versionPath(name, number)) != 0 {
                guard errno == EEXIST || errno == ENOTEMPTY else {
                    throw TriageError.io(
                        "cannot move the new version into place: \(FileIO.systemError())",
                        path: staging)
                }
                number += 1
                manifest.version = number
                FileIO.removeTree("\(staging)/\(Self.manifestFile)")
                try FileIO.writeNew("\(staging)/\(Self.manifestFile)", try encode(manifest))
            }
            try FileIO.syncDirectory(versionsFolder)
        } catch {
            FileIO.removeTree(staging)
            throw error
        }

        if makeCurrent { try setCurrent(name, version: number) }
        return number
    }

    /// Points `CURRENT` at a version, atomically.
    public func setCurrent(_ name: String, version: Int) throws {
        guard FileIO.isDirectory(versionPath(name, version)) else {
            throw TriageError(.modelNotFound, "model \"\(name)\" has no version \(version)")
        }
        try FileIO.replace("\(modelPath(name))/CURRENT", with: Array("\(version)\n".utf8))
    }

    /// Staging folders and pointer files of processes killed mid-publish. Each name
    /// carries its writer's process id: one whose process is gone is removed at once,
    /// any other after an hour (the id may have been reused), so a publish in
    /// progress is never touched.
    private func removeAbandonedStaging(in model: String) {
        let now = time(nil)
        for entry in FileIO.contents(of: model) {
            let prefix: String
            if entry.hasPrefix(".staging-") {
                prefix = ".staging-"
            } else if entry.hasPrefix("CURRENT.tmp-") {
                prefix = "CURRENT.tmp-"
            } else {
                continue
            }
            let owner = entry.dropFirst(prefix.count).split(separator: "-").first
                .flatMap { pid_t($0) }
            let gone = owner.map { $0 != getpid() && kill($0, 0) != 0 && errno == ESRCH } ?? false
            var info = stat()
            let path = "\(model)/\(entry)"
            if gone || (stat(path, &info) == 0 && now - info.st_mtim.tv_sec > 3600) {
                FileIO.removeTree(path)
            }
        }
    }

    /// A decoding error in a few words: which field, what is wrong.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \(path(context)) has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not valid JSON" : "field \(path(context)) is invalid"
        @unknown default:
            return "\(error)"
        }
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// Encodes a manifest and checks that it reads back the same, so a version is
    /// never published with a manifest that cannot be loaded.
    private func encode(_ manifest: ModelManifest) throws -> [UInt8] {
        let bytes = try manifest.jsonBytes()
        let decoded = try? Self.decoder.decode(ModelManifest.self, from: Data(bytes))
        guard decoded == manifest else {
            throw TriageError(.training, "the new version's manifest does not read back as written")
        }
        return bytes
    }
}
