import CUdtraekSSH2

extension SFTPFile {
    /// Streams everything `read` yields into the file, `chunkSize` bytes at a time, and
    /// returns the byte count. `read` fills the buffer it is given and returns how much
    /// it filled, 0 at the end.
    ///
    /// One buffer is reused for the whole transfer, so memory does not grow with the
    /// file. Each large write becomes many SFTP requests in flight at once (libssh2
    /// pipelines a buffer in 30 000-byte packets), which is what keeps the link full.
    /// With a `deadline`, every blocking wait is bounded by the time left, and passing it
    /// fails the transfer with `.transferDeadline`.
    public func upload(chunkSize: Int = 1 << 20, deadline: ContinuousClock.Instant? = nil,
                       progress: ((UInt64) -> Void)? = nil,
                       read: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> UInt64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let n = try read(buffer)
            if n == 0 { break }
            try write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), at: total, deadline: deadline)
            total += UInt64(n)
            progress?(total)
        }
        return total
    }

    /// Writes all of `bytes` at `offset` and returns when the server has acknowledged them,
    /// each blocking wait bounded by the time left before `deadline`.
    ///
    /// Several sessions can fill disjoint ranges of one file this way. Moving the write
    /// position is free here because nothing of this handle is in flight between calls
    /// (libssh2's seek would otherwise discard unacknowledged requests).
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64,
                      deadline: ContinuousClock.Instant?) throws {
        guard let handle = rawHandle else {
            throw SFTPError(.write, operation: "writing \(path) on \(sftp.endpoint)", reason: "the file is already closed")
        }
        defer { sftp.restoreTimeout() }
        if libssh2_sftp_tell64(handle) != offset { libssh2_sftp_seek64(handle, offset) }
        // Whether the wait below is cut by the deadline rather than the operation timeout:
        // then libssh2's timeout *is* the deadline, even when its millisecond timer fires a
        // hair before `deadline` by this clock.
        var waitEndsAtDeadline = false
        if let deadline {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw deadlineError(offset) }
            waitEndsAtDeadline = left < sftp.session.options.operationTimeout
            sftp.setTimeout(min(left, sftp.session.options.operationTimeout))
        }
        do {
            try writeAll(bytes)
        } catch let error as SFTPError where error.code == .timeout
            && (waitEndsAtDeadline || deadline.map({ ContinuousClock.now >= $0 }) == true) {
            throw deadlineError(offset)
        }
    }

    private func deadlineError(_ offset: UInt64) -> SFTPError {
        SFTPError(.transferDeadline, operation: "uploading \(path) to \(sftp.endpoint)",
                  reason: "the transfer did not finish before its deadline (stopped at byte \(offset))",
                  hint: "The link is slower than the platform's minimum rate or the server stalled; the delivery will be retried")
    }
}
