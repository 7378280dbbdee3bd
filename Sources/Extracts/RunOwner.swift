import Runtime

/// The owner recorded on a run: the process identity every claim uses.
public typealias RunOwner = ProcessOwner
