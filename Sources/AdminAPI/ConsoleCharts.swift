import Foundation

/// A bar chart drawn on the server as SVG: no script and nothing downloaded (the pages'
/// Content-Security-Policy allows neither). Each bar carries its value as a tooltip, and
/// the same numbers follow in a table under "The numbers" for people who do not see it.
/// Pure: labels and values in, markup out.
struct BarChart: Sendable {
    struct Series: Sendable {
        var name: String
        /// A fill colour with at least 3:1 contrast against white.
        var colour: String
        /// One value per label; nil draws no bar.
        var values: [Double?]
    }

    var caption: String
    var labels: [String]
    var series: [Series]
    /// A horizontal line every bar is held against (a deadline, a class limit).
    var limit: (label: String, value: Double)?
    /// How a value reads: `3.2 h`, `812 ms`.
    var format: @Sendable (Double) -> String
    /// Bars over the limit are drawn in this colour instead of their series'.
    var overLimitColour = "#8b0000"

    static let width = 760.0
    static let height = 220.0
    static let left = 60.0, right = 12.0, top = 14.0, bottom = 34.0

    var html: HTML {
        let values = series.flatMap { $0.values.compactMap { $0 } }
        // At least one unit high, so a chart of nothing but zeros still has a readable axis.
        let peak = max(values.max() ?? 0, limit?.value ?? 0, 1) * 1.1
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let slot = plotWidth / Double(max(labels.count, 1))
        let barWidth = max(1, slot * 0.8 / Double(max(series.count, 1)))
        func y(_ v: Double) -> Double { Self.top + plotHeight * (1 - v / peak) }
        func n(_ v: Double) -> String { String(format: "%.1f", v) }
        var marks: [HTML] = []
        // The value axis: four lines with their values.
        for i in 0...4 {
            let v = peak / 1.1 * Double(i) / 4
            marks.append("""
                <line x1="\(n(Self.left))" x2="\(n(Self.width - Self.right))" y1="\(n(y(v)))" y2="\(n(y(v)))" stroke="#d0d0d0"/>\
                <text x="\(n(Self.left - 4))" y="\(n(y(v) + 4))" text-anchor="end">\(format(v))</text>
                """)
        }
        for (i, label) in labels.enumerated() {
            let x0 = Self.left + slot * Double(i) + slot * 0.1
            for (k, s) in series.enumerated() {
                guard i < s.values.count, let v = s.values[i] else { continue }
                let over = limit.map { v > $0.value } ?? false
                let h = max(plotHeight * v / peak, v > 0 ? 1 : 0)
                marks.append("""
                    <rect x="\(n(x0 + barWidth * Double(k)))" y="\(n(Self.top + plotHeight - h))" width="\(n(barWidth))" height="\(n(h))" \
                    fill="\(over ? overLimitColour : s.colour)"><title>\(label) \(s.name): \(format(v))\(over ? " (over the limit)" : "")</title></rect>
                    """)
            }
            // Every label when they fit, otherwise every seventh (a week of days, hours).
            let every = labels.count <= 16 ? 1 : 7
            if i % every == 0 || i == labels.count - 1 {
                marks.append("<text x=\"\(n(x0 + slot * 0.4))\" y=\"\(n(Self.height - Self.bottom + 14))\" text-anchor=\"middle\">\(label)</text>")
            }
        }
        if let limit {
            marks.append("""
                <line x1="\(n(Self.left))" x2="\(n(Self.width - Self.right))" y1="\(n(y(limit.value)))" y2="\(n(y(limit.value)))" \
                stroke="#8b0000" stroke-width="2" stroke-dasharray="6 4"/>\
                <text x="\(n(Self.width - Self.right))" y="\(n(y(limit.value) - 4))" text-anchor="end">\(limit.label) \(format(limit.value))</text>
                """)
        }
        let legend: [HTML] = series.map { s -> HTML in
            "<li><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect width=\"12\" height=\"12\" fill=\"\(s.colour)\"/></svg> \(s.name)</li>"
        } + (limit.map { l -> [HTML] in ["<li>dashed red line: \(l.label) (\(format(l.value))); a bar over it is drawn dark red</li>"] } ?? [])
        let head: [HTML] = series.map { s -> HTML in "<th scope=\"col\">\(s.name)</th>" }
        let rows: [HTML] = labels.enumerated().map { i, label -> HTML in
            let cells: [HTML] = series.map { s -> HTML in "<td>\(i < s.values.count ? s.values[i].map(format) : nil, default: "-")</td>" }
            return "<tr><th scope=\"row\">\(label)</th>\(cells)</tr>"
        }
        return """
            <figure>
            <figcaption>\(caption)</figcaption>
            <svg role="img" aria-label="\(caption)" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" width="\(Int(Self.width))" height="\(Int(Self.height))" style="max-width:100%;height:auto">
            \(marks)
            </svg>
            <ul class="legend">\(legend)</ul>
            <details><summary>The numbers</summary>
            <table><thead><tr><th scope="col">When</th>\(head)</tr></thead><tbody>\(rows)</tbody></table>
            </details>
            </figure>
            """
    }

    /// Hours with one decimal: `3.2 h`.
    static let hours: @Sendable (Double) -> String = { String(format: "%.1f h", $0) }
    static let milliseconds: @Sendable (Double) -> String = { $0 >= 10_000 ? String(format: "%.1f s", $0 / 1000) : String(format: "%.0f ms", $0) }
    static let count: @Sendable (Double) -> String = { String(format: "%.0f", $0) }
}
