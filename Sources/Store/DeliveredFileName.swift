/// The rule for a file name put in a receiver's inbox, shared by `udtraek deliver --name`,
/// extract file-name templates (at configuration time, on a sample of every placeholder)
/// and every name a template renders at run time.
public enum DeliveredFileName {
    /// The longest name, in UTF-8 bytes: under common file systems' 255, leaving room for
    /// the `.NAME.ID.part` upload name and `NAME.metadata`.
    public static let maximumBytes = 200

    /// Why `name` cannot be a file in an inbox, or nil: no path separators, not hidden, not
    /// ending in `.metadata` (receivers skip those), no control characters (a receiver's
    /// `ls` or script must see one line), and at most `maximumBytes`.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.contains("/") { return "it contains '/'" }
        if name.hasPrefix(".") { return "it starts with '.', which receivers treat as hidden" }
        if name.hasSuffix(".metadata") { return "it ends in .metadata, which receivers skip" }
        if name.utf8.count > maximumBytes { return "it is longer than \(maximumBytes) bytes" }
        if let bad = name.unicodeScalars.first(where: InputText.isControl) {
            return "it contains the control character \(bad.codePoint)"
        }
        return nil
    }
}

/// The rule for a folder on a receiver's SFTP server (a system's inbox `path`, the
/// `moved_to` folder of pickup monitoring), shared by the configuration and change orders.
public enum InboxFolder {
    /// Why `path` cannot name such a folder, or nil: not empty, without `..` (which would
    /// climb out of the folder the receiver was given), without control characters, at most
    /// 1024 bytes, and, when `relative`, not absolute (`moved_to` is below the inbox root).
    public static func problem(_ path: String, relative: Bool = false) -> String? {
        if path.isEmpty { return "it is empty" }
        if relative && path.hasPrefix("/") { return "it is absolute; give a folder relative to the inbox root, e.g. IN/processed" }
        if path.split(separator: "/").contains("..") { return "it contains '..', which would leave the login's own folder" }
        if let bad = path.unicodeScalars.first(where: InputText.isControl) { return "it contains the control character \(bad.codePoint)" }
        if path.utf8.count > 1024 { return "it is longer than 1024 bytes" }
        return nil
    }
}
