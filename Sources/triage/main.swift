import TriageKit
