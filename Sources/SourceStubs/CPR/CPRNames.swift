/// Name, road and other text tables for the CPR stub, held once as ISO-8859-1 bytes.
///
/// The writer copies these bytes straight into its output buffer, so no `String` is built
/// or transcoded per record; that is what keeps a national status extract cheap next to
/// gzip. The lists are realistic Danish names, including the letters (æ, ø, å, é, ü) that
/// break consumers reading the files with the wrong encoding.
struct CPRTextTable: Sendable {
    /// Every string's Latin-1 bytes, back to back.
    let pool: [UInt8]
    /// Start of string `i` in `pool`; `starts[i + 1]` is its end.
    let starts: [Int32]
    /// The strings themselves, for the slow (JSON/person) path.
    let strings: [String]

    init(_ list: [String]) {
        var pool: [UInt8] = []
        var starts: [Int32] = [0]
        for s in list {
            for u in s.unicodeScalars {
                precondition(u.value < 256, "CPR text must be ISO-8859-1: \(s)")
                pool.append(UInt8(u.value))
            }
            starts.append(Int32(pool.count))
        }
        self.pool = pool
        self.starts = starts
        self.strings = list
    }

    var count: Int { strings.count }
}

/// The stub's fixed vocabularies.
enum CPRNames {
    static let maleFirst = CPRTextTable([
        "Peter", "Jens", "Lars", "Michael", "Henrik", "Thomas", "Søren", "Jan", "Niels", "Christian",
        "Martin", "Anders", "Morten", "Jesper", "Mads", "Rasmus", "Hans", "Per", "Jørgen", "Ole",
        "Mikkel", "Kim", "Frederik", "Kasper", "Mathias", "Jacob", "Emil", "Magnus", "Oliver", "William",
        "Noah", "Lucas", "Victor", "Malthe", "Aksel", "Bjørn", "Jørn", "Kåre", "Torben", "Bent",
        "Poul", "Erik", "Knud", "Flemming", "Steen", "René", "André", "Jürgen", "Sebastian", "Tobias",
        "Asger", "Øjvind", "Ebbe", "Gorm", "Halfdan", "Valdemar", "Carl", "Alfred", "Arne", "Finn",
    ])
    static let femaleFirst = CPRTextTable([
        "Anne", "Kirsten", "Hanne", "Mette", "Anna", "Helle", "Susanne", "Lene", "Maria", "Marianne",
        "Inge", "Karen", "Lone", "Bente", "Camilla", "Pia", "Charlotte", "Louise", "Tina", "Gitte",
        "Ida", "Emma", "Sofie", "Freja", "Clara", "Alma", "Ella", "Karla", "Agnes", "Laura",
        "Søs", "Åse", "Birthe", "Bodil", "Jytte", "Ellen", "Grethe", "Kirstine", "Dorthe", "Rikke",
        "Renée", "Zoë", "Sørine", "Mathilde", "Josefine", "Asta", "Liva", "Nanna", "Signe", "Trine",
        "Malene", "Tove", "Else", "Ulla", "Vibeke", "Astrid", "Frida", "Merete", "Hjørdis", "Gudrun",
    ])
    static let lastNames = CPRTextTable(lastNameList)
    static let lastNameList = [
        "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
        "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen",
        "Laursen", "Henriksen", "Lund", "Holm", "Schmidt", "Eriksen", "Kristiansen", "Simonsen",
        "Clausen", "Svendsen", "Andreasen", "Iversen", "Østergaard", "Jeppesen", "Vestergaard", "Nissen",
        "Lauridsen", "Kjær", "Jepsen", "Mogensen", "Nørgaard", "Jessen", "Søndergaard", "Bertelsen",
        "Dahl", "Bech", "Bækgaard", "Lærkegaard", "Ågaard", "Müller", "Frølund", "Kjærsgaard",
        "Damgaard", "Thygesen", "Brøndum", "Ærenlund", "Højgaard", "Skovgaard", "Bøgh", "Dalsgaard",
        "Krøyer", "Gröndahl", "Fabricius", "Nørregaard", "Winther", "Friis", "Bruun", "Munk",
    ]
    /// Middle names: every surname first (a married woman keeps her maiden name as a middle
    /// name, at the same index), then family-style names used only as middle names.
    static let middleNames = CPRTextTable(lastNameList + [
        "Holm", "Lund", "Bach", "Skov", "Kjær", "Dam", "Krogh", "Bøgh", "Vang", "Juul",
        "Høj", "Lykke", "Brink", "Mølgaard", "Søgaard", "Ørum", "Bjerre", "Fog", "Hvid", "Å",
    ])
    static let roadStems = [
        "Bøge", "Ege", "Birke", "Lærke", "Skov", "Strand", "Mølle", "Kirke", "Søndre ", "Nørre ",
        "Øster", "Vester", "Rønne", "Kilde", "Å", "Eng", "Hyldebær", "Kastanje", "Tjørne", "Slåen",
        "Æble", "Fasan",
    ]
    static let roadSuffixes = [
        "vej", "gade", "allé", "stræde", "parken", "bakken", "toften", "vænget", "haven", "stien", "lund",
    ]
    /// All stem+suffix combinations; a municipality's road `r` gets a distinct one.
    static let roads = CPRTextTable(roadStems.flatMap { stem in roadSuffixes.map { stem + $0 } })

    static let occupations = CPRTextTable([
        "Lærer", "Sygeplejerske", "Pædagog", "Tømrer", "Ingeniør", "Social- og sundhedsassistent",
        "Elektriker", "Kontorassistent", "Butiksassistent", "Økonom", "Læge", "Chauffør",
        "Murer", "Selvstændig", "Programmør", "Landmand", "Smed", "Frisør", "Jurist", "Kok",
        "Studerende", "Pensionist", "Førtidspensionist", "Skoleelev",
    ])
    static let occupationStudent: UInt8 = 20
    static let occupationPensioner: UInt8 = 21
    static let occupationPupil: UInt8 = 23
    static let occupationWorkingCount = 20

    /// CPR-style four-digit country codes with names. 5100 is Denmark (from the reference);
    /// the others are the stub's own plausible codes, not an authoritative list.
    static let countryCodes: [Int] = [5100, 5110, 5120, 5104, 5180, 5150, 5130, 5170, 5162, 5228]
    static let countryNames = CPRTextTable([
        "Danmark", "Norge", "Sverige", "Finland", "Tyskland", "Polen", "Storbritannien", "Frankrig",
        "Spanien", "USA",
    ])
    /// Foreign address lines used in 005 for emigrants, by country index.
    static let foreignCities = CPRTextTable([
        "København", "Oslo", "Stockholm", "Helsinki", "Berlin", "Kraków", "London", "Paris",
        "Málaga", "New York",
    ])
    static let foreignStreets = CPRTextTable([
        "Nørrebrogade 1", "Karl Johans gate 12", "Götgatan 45", "Mannerheimintie 8", "Müllerstraße 27",
        "ulica Florianska 3", "Baker Street 221", "Rue de Rivoli 99", "Calle Larios 5", "Broadway 1500",
    ])

    static let floors = CPRTextTable(["kl", "st", "1", "2", "3", "4", "5", "6"])
    static let doors = CPRTextTable(["", "th", "tv", "mf"])
}
