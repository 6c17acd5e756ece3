/// Traffic counts: what each model version classified per day, kept beside the
/// queue so that statistics over time need no log of every input.
extension SQLiteReviewStore {
    public func traffic(model: String) throws -> [TrafficRecord] {
        // The day totals, then each day's histogram.
        var records: [TrafficRecord] = []
        var position: [String: Int] = [:]
        let totals = try database.statement(SQL.traffic)
        try totals.bind(model, at: 1)
        while try totals.step() {
            let record = TrafficRecord(
                day: totals.string(at: 0), modelVersion: Int(totals.int64(at: 1)),
                inputs: Int(totals.int64(at: 2)), deferred: Int(totals.int64(at: 3)),
                audited: Int(totals.int64(at: 4)),
                confidenceHistogram: [Int](repeating: 0, count: ConfidenceDrift.binCount))
            position["\(record.modelVersion) \(record.day)"] = records.count
            records.append(record)
        }
        totals.reset()

        let bins = try database.statement(SQL.trafficConfidence)
        try bins.bind(model, at: 1)
        defer { bins.reset() }
        while try bins.step() {
            let key = "\(bins.int64(at: 1)) \(bins.string(at: 0))"
            let bin = Int(bins.int64(at: 2))
            guard let index = position[key], (0..<ConfidenceDrift.binCount).contains(bin) else {
                continue
            }
            records[index].confidenceHistogram[bin] += Int(bins.int64(at: 3))
        }
        return records
    }

    /// Adds a batch to its version's counts for the day of `time`, inside the
    /// caller's transaction.
    func count(_ traffic: TrafficCount, at time: Double) throws {
        try database.run(
            SQL.countTraffic, traffic.model, traffic.modelVersion, time, traffic.inputs,
            traffic.deferred, traffic.audited)
        for (bin, inputs) in traffic.confidenceHistogram.enumerated() where inputs > 0 {
            try database.run(
                SQL.countConfidence, traffic.model, traffic.modelVersion, time, bin, inputs)
        }
    }
}

extension SQL {
    static let countTraffic = """
        INSERT INTO traffic (model, model_version, day, inputs, deferred, audited)
        VALUES (?1, ?2, date(?3, 'unixepoch'), ?4, ?5, ?6)
        ON CONFLICT (model, model_version, day) DO UPDATE SET
            inputs = inputs + excluded.inputs,
            deferred = deferred + excluded.deferred,
            audited = audited + excluded.audited
        """

    static let countConfidence = """
        INSERT INTO traffic_confidence (model, model_version, day, bin, inputs)
        VALUES (?1, ?2, date(?3, 'unixepoch'), ?4, ?5)
        ON CONFLICT (model, model_version, day, bin) DO UPDATE SET
            inputs = inputs + excluded.inputs
        """

    static let traffic = """
        SELECT day, model_version, inputs, deferred, audited FROM traffic
        WHERE model = ?1 ORDER BY day, model_version
        """

    static let trafficConfidence = """
        SELECT day, model_version, bin, inputs FROM traffic_confidence WHERE model = ?1
        """
}
