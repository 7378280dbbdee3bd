/// One of Denmark's 98 municipalities (since the 2007 reform), as the CPR stub uses it.
///
/// The weight is the municipality's approximate population in thousands (2024), so the
/// synthetic population spreads over the country roughly like the real one and a
/// municipality-scoped extract has a realistic size. Postal districts are real ones
/// inside the municipality, so generated addresses look right to people who know them.
public struct CPRMunicipality: Sendable, Hashable {
    /// Four-digit, zero-padded municipality code (KOMKOD), e.g. `0101`.
    public let code: String
    /// The municipality's name, e.g. `København`.
    public let name: String
    /// Approximate population in thousands; the relative share of synthetic residents.
    public let weight: Int
    /// Real postal codes with their district names (POSTNR, POSTDISTTXT) in the municipality.
    public let postalDistricts: [(code: Int, name: String)]

    public static func == (a: CPRMunicipality, b: CPRMunicipality) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// The real list of 98 municipality codes, which is what extract definitions and service
/// agreements are checked against.
public enum CPRMunicipalities {
    /// All 98 municipalities in code order.
    public static let all: [CPRMunicipality] = rows.map { row in
        CPRMunicipality(code: row.0, name: row.1, weight: row.2, postalDistricts: row.3)
    }

    /// The municipality with the given four-digit code, or nil when no such code exists
    /// (used to refuse extract requests for unknown municipalities).
    public static func named(_ code: String) -> CPRMunicipality? {
        guard let i = indexByCode(code) else { return nil }
        return all[i]
    }

    /// Position of a code in `all`; nil for unknown codes.
    static func indexByCode(_ code: String) -> Int? {
        guard code.utf8.count == 4, let n = Int(code) else { return nil }
        return numericCodes.firstIndex(of: n)
    }

    /// Codes as integers, in the order of `all`, for the writer's hot path.
    static let numericCodes: [Int] = all.map { Int($0.code)! }

    /// Cumulative weights for `SeededRandom.pick(cumulative:)`.
    static let cumulativeWeights: [Int] = {
        var sum = 0
        return all.map { sum += $0.weight; return sum }
    }()

    private static let rows: [(String, String, Int, [(code: Int, name: String)])] = [
        ("0101", "København", 655, [(1050, "København K"), (1550, "København V"), (2100, "København Ø"), (2200, "København N"), (2300, "København S"), (2400, "København NV"), (2450, "København SV"), (2500, "Valby"), (2700, "Brønshøj"), (2720, "Vanløse")]),
        ("0147", "Frederiksberg", 105, [(2000, "Frederiksberg"), (1850, "Frederiksberg C")]),
        ("0151", "Ballerup", 52, [(2750, "Ballerup"), (2760, "Måløv")]),
        ("0153", "Brøndby", 39, [(2605, "Brøndby"), (2660, "Brøndby Strand")]),
        ("0155", "Dragør", 14, [(2791, "Dragør")]),
        ("0157", "Gentofte", 75, [(2820, "Gentofte"), (2900, "Hellerup"), (2920, "Charlottenlund"), (2930, "Klampenborg")]),
        ("0159", "Gladsaxe", 70, [(2860, "Søborg"), (2870, "Dyssegård"), (2880, "Bagsværd")]),
        ("0161", "Glostrup", 24, [(2600, "Glostrup")]),
        ("0163", "Herlev", 29, [(2730, "Herlev")]),
        ("0165", "Albertslund", 28, [(2620, "Albertslund")]),
        ("0167", "Hvidovre", 54, [(2650, "Hvidovre")]),
        ("0169", "Høje-Taastrup", 51, [(2630, "Taastrup")]),
        ("0173", "Lyngby-Taarbæk", 57, [(2800, "Kongens Lyngby")]),
        ("0175", "Rødovre", 41, [(2610, "Rødovre")]),
        ("0183", "Ishøj", 24, [(2635, "Ishøj")]),
        ("0185", "Tårnby", 44, [(2770, "Kastrup")]),
        ("0187", "Vallensbæk", 17, [(2625, "Vallensbæk")]),
        ("0190", "Furesø", 41, [(3500, "Værløse"), (3520, "Farum")]),
        ("0201", "Allerød", 26, [(3450, "Allerød")]),
        ("0210", "Fredensborg", 41, [(3480, "Fredensborg"), (2980, "Kokkedal"), (2990, "Nivå")]),
        ("0217", "Helsingør", 63, [(3000, "Helsingør"), (3100, "Hornbæk")]),
        ("0219", "Hillerød", 52, [(3400, "Hillerød")]),
        ("0223", "Hørsholm", 25, [(2970, "Hørsholm")]),
        ("0230", "Rudersdal", 57, [(2840, "Holte"), (2950, "Vedbæk"), (3460, "Birkerød")]),
        ("0240", "Egedal", 44, [(3650, "Ølstykke"), (3660, "Stenløse")]),
        ("0250", "Frederikssund", 46, [(3600, "Frederikssund")]),
        ("0253", "Greve", 50, [(2670, "Greve")]),
        ("0259", "Køge", 62, [(4600, "Køge")]),
        ("0260", "Halsnæs", 31, [(3300, "Frederiksværk"), (3390, "Hundested")]),
        ("0265", "Roskilde", 90, [(4000, "Roskilde")]),
        ("0269", "Solrød", 23, [(2680, "Solrød Strand")]),
        ("0270", "Gribskov", 41, [(3200, "Helsinge"), (3250, "Gilleleje")]),
        ("0306", "Odsherred", 33, [(4500, "Nykøbing Sj")]),
        ("0316", "Holbæk", 72, [(4300, "Holbæk")]),
        ("0320", "Faxe", 37, [(4640, "Faxe")]),
        ("0326", "Kalundborg", 49, [(4400, "Kalundborg")]),
        ("0329", "Ringsted", 35, [(4100, "Ringsted")]),
        ("0330", "Slagelse", 79, [(4200, "Slagelse"), (4220, "Korsør")]),
        ("0336", "Stevns", 23, [(4660, "Store Heddinge")]),
        ("0340", "Sorø", 30, [(4180, "Sorø")]),
        ("0350", "Lejre", 28, [(4320, "Lejre")]),
        ("0360", "Lolland", 41, [(4900, "Nakskov"), (4930, "Maribo")]),
        ("0370", "Næstved", 83, [(4700, "Næstved")]),
        ("0376", "Guldborgsund", 60, [(4800, "Nykøbing F")]),
        ("0390", "Vordingborg", 46, [(4760, "Vordingborg")]),
        ("0400", "Bornholm", 39, [(3700, "Rønne"), (3730, "Nexø")]),
        ("0410", "Middelfart", 39, [(5500, "Middelfart")]),
        ("0420", "Assens", 41, [(5610, "Assens")]),
        ("0430", "Faaborg-Midtfyn", 51, [(5600, "Faaborg"), (5750, "Ringe")]),
        ("0440", "Kerteminde", 24, [(5300, "Kerteminde")]),
        ("0450", "Nyborg", 32, [(5800, "Nyborg")]),
        ("0461", "Odense", 206, [(5000, "Odense C"), (5200, "Odense V"), (5210, "Odense NV"), (5220, "Odense SØ"), (5230, "Odense M")]),
        ("0479", "Svendborg", 59, [(5700, "Svendborg")]),
        ("0480", "Nordfyns", 29, [(5400, "Bogense"), (5450, "Otterup")]),
        ("0482", "Langeland", 12, [(5900, "Rudkøbing")]),
        ("0492", "Ærø", 6, [(5970, "Ærøskøbing"), (5960, "Marstal")]),
        ("0510", "Haderslev", 56, [(6100, "Haderslev")]),
        ("0530", "Billund", 27, [(7190, "Billund")]),
        ("0540", "Sønderborg", 74, [(6400, "Sønderborg")]),
        ("0550", "Tønder", 37, [(6270, "Tønder")]),
        ("0561", "Esbjerg", 116, [(6700, "Esbjerg"), (6705, "Esbjerg Ø")]),
        ("0563", "Fanø", 4, [(6720, "Fanø")]),
        ("0573", "Varde", 50, [(6800, "Varde")]),
        ("0575", "Vejen", 43, [(6600, "Vejen")]),
        ("0580", "Aabenraa", 59, [(6200, "Aabenraa")]),
        ("0607", "Fredericia", 52, [(7000, "Fredericia")]),
        ("0615", "Horsens", 95, [(8700, "Horsens")]),
        ("0621", "Kolding", 94, [(6000, "Kolding")]),
        ("0630", "Vejle", 120, [(7100, "Vejle")]),
        ("0657", "Herning", 90, [(7400, "Herning")]),
        ("0661", "Holstebro", 59, [(7500, "Holstebro")]),
        ("0665", "Lemvig", 19, [(7620, "Lemvig")]),
        ("0671", "Struer", 21, [(7600, "Struer")]),
        ("0706", "Syddjurs", 43, [(8400, "Ebeltoft"), (8410, "Rønde")]),
        ("0707", "Norddjurs", 37, [(8500, "Grenaa")]),
        ("0710", "Favrskov", 49, [(8450, "Hammel"), (8370, "Hadsten")]),
        ("0727", "Odder", 23, [(8300, "Odder")]),
        ("0730", "Randers", 99, [(8900, "Randers C")]),
        ("0740", "Silkeborg", 97, [(8600, "Silkeborg")]),
        ("0741", "Samsø", 4, [(8305, "Samsø")]),
        ("0746", "Skanderborg", 64, [(8660, "Skanderborg")]),
        ("0751", "Aarhus", 365, [(8000, "Aarhus C"), (8200, "Aarhus N"), (8210, "Aarhus V"), (8220, "Brabrand"), (8260, "Viby J"), (8270, "Højbjerg")]),
        ("0756", "Ikast-Brande", 41, [(7430, "Ikast"), (7330, "Brande")]),
        ("0760", "Ringkøbing-Skjern", 56, [(6950, "Ringkøbing"), (6900, "Skjern")]),
        ("0766", "Hedensted", 47, [(8722, "Hedensted")]),
        ("0773", "Morsø", 20, [(7900, "Nykøbing M")]),
        ("0779", "Skive", 46, [(7800, "Skive")]),
        ("0787", "Thisted", 43, [(7700, "Thisted")]),
        ("0791", "Viborg", 97, [(8800, "Viborg")]),
        ("0810", "Brønderslev", 36, [(9700, "Brønderslev")]),
        ("0813", "Frederikshavn", 59, [(9900, "Frederikshavn"), (9990, "Skagen")]),
        ("0820", "Vesthimmerlands", 36, [(9600, "Aars")]),
        ("0825", "Læsø", 2, [(9940, "Læsø")]),
        ("0840", "Rebild", 30, [(9520, "Skørping")]),
        ("0846", "Mariagerfjord", 42, [(9500, "Hobro")]),
        ("0849", "Jammerbugt", 38, [(9440, "Aabybro")]),
        ("0851", "Aalborg", 220, [(9000, "Aalborg"), (9200, "Aalborg SV"), (9210, "Aalborg SØ"), (9220, "Aalborg Øst"), (9400, "Nørresundby")]),
        ("0860", "Hjørring", 64, [(9800, "Hjørring")]),
    ]
}
