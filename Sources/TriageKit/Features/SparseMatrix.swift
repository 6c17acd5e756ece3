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
        precondition(rowColumns.count == rowValues.count,
            "a sparse row needs one value per column, got \(rowColumns.count) and \(rowValues.count)")
        columns.append(contentsOf: rowColumns)
        values.append(contentsOf: rowValues)
        rowOffsets.append(columns.count)
    }

    /// Appends every row of `other`, which must have the same number of columns.
    public mutating func append(contentsOf other: SparseMatrix) {
        precondition(other.columnCount == columnCount,
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
