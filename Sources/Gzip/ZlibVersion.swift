internal import CUdtraekZlib

/// Which zlib is doing the work, for start-up logs and bug reports: compression ratio and
/// speed differ between zlib versions (and zlib-ng), so figures are only comparable with it.
public enum ZlibVersion {
    /// The version of the zlib library loaded at run time, e.g. "1.2.13".
    public static var runtime: String { String(cString: udtraek_zlib_version()) }
    /// The version of the zlib headers this module was compiled against (ZLIB_VERNUM, e.g. 0x12d0).
    public static var compiledAgainst: Int { udtraek_zlib_vernum() }
}
