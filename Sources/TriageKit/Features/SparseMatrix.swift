/// A sparse matrix in compressed sparse row form.
///
/// Row *i*'s entries are `columns[rowOffsets[i]..<rowOffsets[i + 1]]` with the matching
/// `values`. Within a row, columns are distinct but not necessarily sorted.
public struct SparseMatrix: Sendable {
    public private(set) var rowOffsets: [Int]
    public private(set) var columns: [Int32]
    public private(set) var values: [Float]
    public let columnCount: Int

    /// An empty matrix with `columnCount` columns, to append rows to.
    public init(columnCount: Int) {
        self.rowOffsets = [0]
        self.columns = []
        self.values = []
        self.columnCount = columnCount
    }

    public var rowCount: Int { rowOffsets.count - 1 }
    public var nonZeroCount: Int { columns.count }

    /// Appends a row given as parallel arrays of column numbers and values.
    public mutating func appendRow(columns rowColumns: [Int32], values rowValues: [Float]) {
        precondition(
            rowColumns.count == rowValues.count,
            "a sparse row needs one value per column, got \(rowColumns.count) and \(rowValues.count)"
        )
        columns.append(contentsOf: rowColumns)
        values.append(contentsOf: rowValues)
        rowOffsets.append(columns.count)
    }

    /// Appends every row of `other`, which must have the same number of columns.
    public mutating func append(contentsOf other: SparseMatrix) {
        precondition(
            other.columnCount == columnCount,
            "cannot stack a matrix of \(other.columnCount) columns under one of \(columnCount)")
        let base = columns.count
        columns.append(contentsOf: other.columns)
        values.append(contentsOf: other.values)
        rowOffsets.append(contentsOf: other.rowOffsets.dropFirst().map { $0 + base })
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> SparseMatrix {
        var result = SparseMatrix(columnCount: columnCount)
        result.rowOffsets.reserveCapacity(indices.count + 1)
        for row in indices {
            let range = rowOffsets[row]..<rowOffsets[row + 1]
            result.columns.append(contentsOf: columns[range])
            result.values.append(contentsOf: values[range])
            result.rowOffsets.append(result.columns.count)
        }
        return result
    }

    /// The transpose, also in row form: row *j* of the result lists the rows of `self`
    /// that use column *j*, in increasing order.
    ///
    /// - Complexity: O(rows + columns + non-zeros).
    public func transposed() -> SparseMatrix {
        var counts = [Int](repeating: 0, count: columnCount + 1)
        for column in columns { counts[Int(column) + 1] += 1 }
        for index in 1..<counts.count { counts[index] += counts[index - 1] }

        var result = SparseMatrix(columnCount: rowCount)
        result.rowOffsets = counts
        result.columns = [Int32](repeating: 0, count: columns.count)
        result.values = [Float](repeating: 0, count: columns.count)
        var next = counts
        for row in 0..<rowCount {
            for entry in rowOffsets[row]..<rowOffsets[row + 1] {
                let column = Int(columns[entry])
                let slot = next[column]
                result.columns[slot] = Int32(row)
                result.values[slot] = values[entry]
                next[column] = slot + 1
            }
        }
        return result
    }
}

/// Sorts bucket numbers in place: the short arrays of one document's features.
///
/// The standard library's sort is stable and generic; this unstable quicksort with an
/// insertion-sort finish is several times faster on arrays of a few hundred numbers,
/// and featurising spends a tenth of its time sorting.
///
/// - Complexity: O(*n* log *n*) expected; median-of-three pivots keep sorted input
///   from being the worst case.
func sortBuckets(_ values: inout [UInt32]) {
    values.withUnsafeMutableBufferPointer { buffer in
        guard buffer.count > 1, let base = buffer.baseAddress else { return }
        quicksort(base, 0, buffer.count - 1)
    }
}

private func quicksort(_ a: UnsafeMutablePointer<UInt32>, _ low: Int, _ high: Int) {
    var low = low
    var high = high
    while high - low > 24 {
        // Median of three as the pivot.
        let middle = low + (high - low) / 2
        if a[middle] < a[low] { swap(&a[middle], &a[low]) }
        if a[high] < a[low] { swap(&a[high], &a[low]) }
        if a[high] < a[middle] { swap(&a[high], &a[middle]) }
        let pivot = a[middle]

        var i = low
        var j = high
        while i <= j {
            while a[i] < pivot { i += 1 }
            while a[j] > pivot { j -= 1 }
            if i <= j {
                let t = a[i]
                a[i] = a[j]
                a[j] = t
                i += 1
                j -= 1
            }
        }
        // Recurse into the smaller side, loop on the larger: O(log n) stack.
        if j - low < high - i {
            if low < j { quicksort(a, low, j) }
            low = i
        } else {
            if i < high { quicksort(a, i, high) }
            high = j
        }
    }
    // Insertion sort for the short remainder.
    var index = low + 1
    while index <= high {
        let value = a[index]
        var position = index - 1
        while position >= low && a[position] > value {
            a[position + 1] = a[position]
            position -= 1
        }
        a[position + 1] = value
        index += 1
    }
}
