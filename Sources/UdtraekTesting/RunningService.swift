import ServiceLifecycle

/// Runs `service` in a task while `body` runs, then cancels it and waits until it has
/// returned, also when `body` throws: no service outlives its test.
public func withRunning<T>(_ service: some Service, _ body: () async throws -> T) async throws -> T {
    let task = Task { try await service.run() }
    do {
        let result = try await body()
        task.cancel()
        try await task.value
        return result
    } catch {
        task.cancel()
        _ = try? await task.value
        throw error
    }
}
