import TriageKit

let modelsListCommand = CommandSpec(
    path: ["models", "list"],
    summary: "List a model's versions with their key figures",
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("json", "One JSON object per version"),
    ],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let registry = context.registry
        let current = try registry.currentVersion(name)
        let versions = registry.versions(name)
        if !arguments.flag("json") {
            context.out.line(
                column("version", 7, right: true) + "  " + column("created", 20) + "  "
                    + column("examples", 8, right: true) + "  " + column("labels", 6, right: true)
                    + "  "
                    + column("accuracy", 8, right: true) + "  " + column("coverage", 8, right: true)
            )
        }
        var unreadable = 0
        for version in versions {
            guard let manifest = try? registry.manifest(name, version: version) else {
                // One damaged version must not hide the others.
                unreadable += 1
                if !arguments.flag("json") {
                    context.out.line(
                        column(String(version) + (version == current ? "*" : " "), 7, right: true)
                            + "  (manifest cannot be read)")
                }
                continue
            }
            if arguments.flag("json") {
                var json = JSONWriter()
                json.beginObject()
                json.key("version")
                json.value(version)
                json.key("created_at")
                json.value(manifest.createdAt)
                json.key("current")
                json.value(version == current)
                json.key("examples")
                json.value(manifest.training.examples)
                json.key("labels")
                json.value(manifest.labels.count)
                json.key("reviewed_cases")
                json.value(manifest.training.reviewedCases.count)
                json.key("accuracy")
                json.value(manifest.metrics.accuracy)
                json.key("calibration_error")
                json.value(manifest.metrics.calibrationError)
                json.key("coverage")
                json.value(manifest.metrics.coverage)
                json.key("target_accuracy")
                json.value(manifest.deferral.targetAccuracy)
                json.endObject()
                json.newline()
                context.out.write(json.bytes)
            } else {
                context.out.line(
                    column(String(version) + (version == current ? "*" : " "), 7, right: true)
                        + "  " + column(manifest.createdAt, 20) + "  "
                        + column(String(manifest.training.examples), 8, right: true) + "  "
                        + column(String(manifest.labels.count), 6, right: true) + "  "
                        + column(fixed(manifest.metrics.accuracy, 4), 8, right: true) + "  "
                        + column(percent(manifest.metrics.coverage), 8, right: true))
            }
        }
        context.out.flush()
        if unreadable > 0 {
            context.note(
                "triage: note: \(unreadable) version(s) have a manifest that cannot be read")
        }
    })

let modelsPromoteCommand = CommandSpec(
    path: ["models", "promote"],
    summary: "Make a version the current one",
    options: [.value("model", "NAME", "Model name in the registry", default: "default")],
    positionals: [PositionalSpec(name: "VERSION", help: "The version to make current")],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let text = arguments.positional(0) ?? ""
        guard let version = Int(text), version > 0 else {
            throw UsageError(
                "VERSION must be a version number, got '\(text)'", command: arguments.command)
        }
        let registry = context.registry
        _ = try registry.load(name, version: version)
        let previous = try? registry.currentVersion(name)
        try registry.setCurrent(name, version: version)
        context.out.line(
            "model \(name): version \(version) is current"
                + (previous.map { $0 == version ? " (it already was)" : " (was \($0))" } ?? ""))
        context.out.flush()
        if previous != version { rescoreAfterPromotion(name: name, context: context) }
    })

let modelsRollbackCommand = CommandSpec(
    path: ["models", "rollback"],
    summary: "Make the version before the current one current again",
    options: [.value("model", "NAME", "Model name in the registry", default: "default")],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let registry = context.registry
        let current = try registry.currentVersion(name)
        guard let previous = registry.versions(name).last(where: { $0 < current }) else {
            throw TriageError(.modelNotFound, "model \"\(name)\" has no version before \(current)")
        }
        _ = try registry.load(name, version: previous)
        try registry.setCurrent(name, version: previous)
        context.out.line("model \(name): version \(previous) is current (was \(current))")
        context.out.flush()
        rescoreAfterPromotion(name: name, context: context)
    })

let modelsShowCommand = CommandSpec(
    path: ["models", "show"],
    summary: "Show a model version: figures, settings and labels",
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("json", "Print the version's manifest as JSON"),
    ],
    positionals: [
        PositionalSpec(
            name: "VERSION", help: "Version number (default: the current one)", optional: true)
    ],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let registry = context.registry
        var version = try registry.currentVersion(name)
        if let text = arguments.positional(0) {
            guard let number = Int(text), number > 0 else {
                throw UsageError(
                    "VERSION must be a version number, got '\(text)'", command: arguments.command)
            }
            version = number
        }
        guard registry.versions(name).contains(version) else {
            throw TriageError(.modelNotFound, "model \"\(name)\" has no version \(version)")
        }
        let manifest = try registry.manifest(name, version: version)
        if arguments.flag("json") {
            try printJSON(manifest, to: context.out)
        } else {
            printTrainingReport(
                manifest, path: registry.versionPath(name, version), to: context.out)
            context.out.line("  labels (\(manifest.labels.count)):")
            let width = max(20, context.out.width - 4)
            var line = ""
            for label in manifest.labels {
                if !line.isEmpty && line.count + label.count + 2 > width {
                    context.out.line("    " + line)
                    line = ""
                }
                line += line.isEmpty ? label : ", " + label
            }
            if !line.isEmpty { context.out.line("    " + line) }
        }
        context.out.flush()
    })
