import Foundation
import Hummingbird

/// Markup that is safe to send: literal text written in the source, and every value
/// interpolated into it escaped, unless the value is itself `HTML`. So
/// `HTML("<td>\(alarm.summary)</td>")` can never carry markup from the state into a page.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The finished markup.
    private(set) var markup: String

    init(stringLiteral value: String) { markup = value }

    init(stringInterpolation: StringInterpolation) { markup = stringInterpolation.markup }

    /// Markup already made safe (the result of `escape`, or of other `HTML`).
    private init(trusted: String) { markup = trusted }

    var description: String { markup }

    static let empty: HTML = ""

    /// `<`, `>`, `&`, `"` and `'` as character references: safe in text and in quoted
    /// attribute values alike.
    static func escape(_ text: String) -> String {
        // Most values (names, times, counts) have nothing to escape: hand them back as they are.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Joins pieces of markup.
    static func join(_ parts: some Sequence<HTML>, separator: HTML = .empty) -> HTML {
        HTML(trusted: parts.map(\.markup).joined(separator: separator.markup))
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity * 2) }

        mutating func appendLiteral(_ literal: String) { markup += literal }

        mutating func appendInterpolation(_ html: HTML) { markup += html.markup }

        mutating func appendInterpolation(_ parts: [HTML]) { markup += parts.map(\.markup).joined() }

        /// Any other value is text: escaped.
        mutating func appendInterpolation(_ value: some CustomStringConvertible) { markup += HTML.escape(value.description) }

        mutating func appendInterpolation(_ value: (some CustomStringConvertible)?, default fallback: String = "-") {
            markup += HTML.escape(value?.description ?? fallback)
        }
    }
}

/// The pages' shared frame, and the answers a console route gives.
enum ConsolePage {
    static let style = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.4}
        header{display:flex;gap:1.5rem;align-items:center;padding:.5rem 1rem;background:#12324a;color:#fff}
        header a{color:#fff}header form{margin-left:auto}header p{margin:.3rem 0}
        nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
        .field{margin:.6rem 0}.field-error{color:#8b0000;font-weight:bold;margin:.2rem 0}
        .hint{color:#444;font-size:.9rem;margin:.2rem 0}
        [aria-invalid=true]{border:2px solid #8b0000}
        .error-summary{border:3px solid #8b0000;padding:.5rem 1rem;margin:1rem 0}
        ol.timeline{list-style:none;padding-left:0;border-left:3px solid #12324a;margin-left:.5rem}
        ol.timeline li{padding:.2rem 0 .6rem 1rem}
        figure{margin:1rem 0}figcaption{font-weight:bold}
        svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#1a1a1a}
        fieldset{border:1px solid #999;margin:.5rem 0 1rem}
        .inline{display:inline}
        main{padding:1rem}
        table{border-collapse:collapse;margin:.5rem 0 1.5rem}
        th,td{border:1px solid #999;padding:.3rem .6rem;text-align:left;vertical-align:top}
        .rag{font-weight:bold;padding:.1rem .5rem;border-radius:.2rem}
        .rag-red{background:#8b0000;color:#fff}.rag-amber{background:#ffbf00;color:#000}.rag-green{background:#006400;color:#fff}
        .error{color:#8b0000;font-weight:bold}
        label{display:block;margin:.5rem 0 .2rem}
        input[type=password],textarea{width:30rem;max-width:100%}
        :focus{outline:3px solid #c76b00;outline-offset:2px}
        """

    /// The pages every signed-in caller has, and those only operators have.
    static let everyonesPages = [("/console", "Overview"), ("/console/pickups", "Pickups"), ("/console/alarms", "Alarms"),
                                 ("/console/agreements", "Agreements")]
    static let operatorsPages = [("/console/runs", "Runs"), ("/console/schedules", "Schedules"), ("/console/changes", "Change orders")]

    /// A whole page. `signOut` is the CSRF token for the sign-out form, nil on the sign-in page.
    /// `refreshSeconds` reloads the page that often (without script: a `meta` refresh).
    static func document(title: String, actor: String?, signOutCSRF: String?, operator isOperator: Bool = false,
                         refreshSeconds: Int? = nil, body: HTML) -> HTML {
        let nav: HTML
        if let actor, let csrf = signOutCSRF {
            let links: [HTML] = (everyonesPages + (isOperator ? operatorsPages : [])).map { link -> HTML in
                "<li><a href=\"\(link.0)\">\(link.1)</a></li>"
            }
            nav = """
                <nav aria-label="Console"><ul>\(links)</ul></nav>
                <p>Signed in as \(actor)</p>
                <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="\(csrf)"><button type="submit">Sign out</button></form>
                """
        } else {
            nav = .empty
        }
        return """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · udtraek console</title>\(refreshSeconds.map { s -> HTML in "<meta http-equiv=\"refresh\" content=\"\(s)\">" } ?? .empty)
            <style>\(HTMLRaw.style)</style></head>
            <body>
            <header><p><strong>udtraek console</strong></p>\(nav)</header>
            <main>
            <h1>\(title)</h1>
            \(body)
            </main>
            </body>
            </html>
            """
    }

    /// The headers every console page is sent with: never cached, never framed, nothing
    /// loaded from elsewhere, no script at all.
    static func headers() -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = "text/html; charset=utf-8"
        h[.cacheControl] = "no-store"
        h[.init("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        h[.init("X-Content-Type-Options")!] = "nosniff"
        h[.init("Referrer-Policy")!] = "no-referrer"
        return h
    }

    static func response(_ html: HTML, status: HTTPResponse.Status = .ok, extra: HTTPFields = [:]) -> Response {
        var h = headers()
        h.append(contentsOf: extra)
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: html.markup)))
    }

    /// 303 See Other: after a form, and to the sign-in page.
    static func redirect(_ location: String, extra: HTTPFields = [:]) -> Response {
        var h = HTTPFields()
        h[.location] = location
        h[.cacheControl] = "no-store"
        h.append(contentsOf: extra)
        return Response(status: .seeOther, headers: h)
    }
}

/// The style sheet, trusted markup (it is a constant of the source, not state).
enum HTMLRaw {
    static var style: HTML { HTML(stringLiteral: ConsolePage.style) }
}
