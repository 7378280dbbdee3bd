import BusinessCalendar
import Scheduling
import Store

/// `schedule:` under an extract and the top-level `api:` section.
extension SnapshotReader {
    static let scheduleKeys = ["cron", "time_zone", "calendar", "constitution_day", "include", "exclude", "overlap",
                               "catch_up", "enabled"]

    /// The schedule of one extract item, each field checked where it is written: a bad
    /// cron expression is reported at `cron`, an unknown zone at `time_zone`, and so on.
    func readSchedule(ofExtract value: YAMLValue) -> ExtractSchedule? {
        guard let item = value.node.mapping, let nameNode = item["name"], let name = nameNode.string,
              let node = item["schedule"] else { return nil }
        let scheduleValue = value.child(node, "\(value.key).schedule")
        guard let map = scheduleValue.mapping(allowed: Self.scheduleKeys) else { return nil }
        var schedule = ExtractSchedule(extract: name, cron: "")
        var valid = true
        func check<T>(_ field: YAMLValue?, _ body: () throws(ScheduleError) -> T) -> T? {
            do { return try body() } catch {
                (field ?? scheduleValue).report(error.reason)
                valid = false
                return nil
            }
        }
        if let cron = required(map, "cron", in: scheduleValue, hint: "e.g. cron: \"30 6 * * *\"")?.line() {
            schedule.cron = cron
            _ = check(map["cron"]) { () throws(ScheduleError) in try CronExpression(cron) }
        } else { valid = false }
        if let zone = map["time_zone"]?.string() {
            schedule.timeZone = zone
            _ = check(map["time_zone"]) { () throws(ScheduleError) in try Schedule.timeZone(identifier: zone) }
        }
        if let calendar = map["calendar"]?.string() {
            schedule.calendar = calendar
            _ = check(map["calendar"]) { () throws(ScheduleError) in try ScheduleCalendar(named: calendar) }
        }
        if let flag = map["constitution_day"] {
            if let on = flag.bool() { schedule.constitutionDay = on } else { valid = false }
        }
        for list in ["include", "exclude"] {
            guard let field = map[list] else { continue }
            guard let items = field.sequence() else { valid = false; continue }
            var dates: [String] = []
            for item in items {
                guard let text = item.string() else { valid = false; continue }
                if let date = CivilDate(iso: text) { dates.append(date.description) } else {
                    item.report("'\(text.displaySafe(limit: 40))' is not a real date written YYYY-MM-DD")
                    valid = false
                }
            }
            if list == "include" { schedule.include = dates.sorted() } else { schedule.exclude = dates.sorted() }
        }
        if let overlap = map["overlap"]?.string() {
            schedule.overlap = overlap
            _ = check(map["overlap"]) { () throws(ScheduleError) in try OverlapPolicy(name: overlap) }
        }
        if let catchUp = map["catch_up"]?.string() {
            schedule.catchUp = catchUp
            _ = check(map["catch_up"]) { () throws(ScheduleError) in try CatchUpPolicy(name: catchUp) }
        }
        if let enabled = map["enabled"] {
            if let on = enabled.bool() { schedule.enabled = on } else { valid = false }
        }
        if valid, let cron = try? CronExpression(schedule.cron), let never = cron.neverRunsReason {
            map["cron"]?.report("\"\(schedule.cron.displaySafe(limit: 80))\" never runs: \(never)")
            valid = false
        }
        return valid ? schedule : nil
    }

    /// `api: {listen, tokens: [{name, env | file}]}`. Tokens are named by where they are
    /// kept; the value itself never appears in the configuration.
    func readAPI(_ value: YAMLValue) -> APISettings {
        var settings = APISettings()
        guard let map = value.mapping(allowed: ["listen", "tokens"]) else { return settings }
        if let listen = map["listen"], let text = listen.string() {
            if let problem = Self.listenProblem(text) { listen.report(problem) } else { settings.listen = text }
        }
        for item in map["tokens"]?.sequence() ?? [] {
            guard let token = item.mapping(allowed: ["name", "env", "file", "token", "value"]) else { continue }
            if let secret = token["token"] ?? token["value"] {
                secret.report("the token itself must not be written in the configuration; put it in an environment variable (env:) or a file readable only by udtraek (file:)")
                continue
            }
            guard let name = required(token, "name", in: item)?.label() else { continue }
            let env = token["env"]?.line()
            let file = token["file"]?.line().map(resolve)
            checkSecretFile(token["file"], file)
            guard (env == nil) != (file == nil) else {
                item.report("token '\(name)' needs exactly one of env: (an environment variable) or file: (a file holding the token)")
                continue
            }
            if settings.tokens.contains(where: { $0.name == name }) {
                token["name"]?.report("the token name '\(name)' appears twice")
                continue
            }
            settings.tokens.append(APIToken(name: name, secret: SecretSource(env: env, file: file)))
        }
        if settings.listen != nil && settings.tokens.isEmpty {
            value.report("the API needs at least one operator token (tokens:), or no listen address; without a token every call would be refused")
        }
        return settings
    }

    /// Why `host:port` cannot be listened on, or nil. Only loopback addresses: the admin
    /// API speaks plain HTTP and carries operator tokens.
    static func listenProblem(_ text: String) -> String? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return "'\(text.displaySafe(limit: 60))' is not host:port (e.g. 127.0.0.1:8480)"
        }
        let host = String(text[..<colon])
        guard host == "localhost" || host == "[::1]" || host.hasPrefix("127.") else {
            return "'\(host.displaySafe(limit: 60))' is not a loopback address; the admin API speaks plain HTTP, so it listens on 127.0.0.1 (put a TLS proxy in front for remote operators)"
        }
        return nil
    }
}
