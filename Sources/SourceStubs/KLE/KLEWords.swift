/// Word lists the synthetic plan is built from. Titles are plausible Danish municipal
/// subjects (with æ, ø, å and the odd dash) so receivers' encodings and sorting are
/// exercised; they are not the real KLE plan, which is KL's and not copied here.
enum KLEWords {
    /// A main group's number, title, the group titles it draws from, and the acts its
    /// groups and subjects cite.
    struct MainGroup {
        let number: Int
        let title: String
        let groups: [String]
        let laws: [String]
    }

    static let mainGroups: [MainGroup] = [
        MainGroup(number: 0, title: "Kommunens styrelse", groups: [
            "Kommunalbestyrelsen", "Udvalg og kommissioner", "Kommunale valg", "Borgerservice",
            "Kommunens organisation", "Informationsvirksomhed", "Digitalisering og it",
            "Samarbejde med andre kommuner", "Tilsyn med kommunen", "Arkivvæsen", "Forsikringer",
            "Jubilæer og mærkedage", "Venskabsbyer",
        ], laws: ["Lov om kommunernes styrelse", "Forvaltningsloven", "Lov om kommunale og regionale valg"]),
        MainGroup(number: 1, title: "Fysisk planlægning og naturbeskyttelse", groups: [
            "Kommuneplanlægning", "Lokalplanlægning", "Landzoneadministration", "Naturbeskyttelse",
            "Strandbeskyttelse", "Fredninger", "Skovbyggelinjer", "Kystbeskyttelse", "Råstofindvinding",
            "Landskabsplanlægning", "Miljøvurderinger", "Byfornyelse",
        ], laws: ["Lov om planlægning", "Lov om naturbeskyttelse", "Lov om miljøvurdering af planer og programmer"]),
        MainGroup(number: 2, title: "Byggeri", groups: [
            "Byggesager", "Byggetilladelser", "Ibrugtagningstilladelser", "Bygningsreglementet",
            "Byggeskadesager", "Energimærkning af bygninger", "Nedrivning af bygninger",
            "Byggeri i landzone", "Tilgængelighed i byggeri", "Ulovligt byggeri",
            "Fritidshuse og kolonihaver", "Bygningsfredning",
        ], laws: ["Byggeloven", "Bygningsreglement 2018", "Lov om bygningsfredning og bevaring af bygninger og bymiljøer"]),
        MainGroup(number: 3, title: "Boliger, lokaler, husleje", groups: [
            "Almene boliger", "Boligsocial anvisning", "Huslejenævn", "Beboerklagenævn", "Ældreboliger",
            "Andelsboliger", "Private udlejningsejendomme", "Boligforeninger", "Tomme boliger",
            "Kollegier og ungdomsboliger", "Boligregulering",
        ], laws: ["Lov om almene boliger", "Lov om leje", "Lov om boligforhold"]),
        MainGroup(number: 4, title: "Grønne områder, natur- og fritidsfaciliteter", groups: [
            "Parker og anlæg", "Legepladser", "Badestrande", "Kolonihaveområder", "Naturstier",
            "Lystbådehavne", "Campingpladser", "Idrætsanlæg", "Skove i kommunalt eje", "Naturformidling",
            "Offentlige toiletter",
        ], laws: ["Lov om naturbeskyttelse", "Lov om kolonihaver", "Lov om skove"]),
        MainGroup(number: 5, title: "Veje og trafik", groups: [
            "Offentlige veje", "Private fællesveje", "Vintertjeneste", "Trafiksikkerhed", "Parkering",
            "Cykelstier", "Vejbelysning", "Gravetilladelser", "Færdselsregulering", "Broer og tunneler",
            "Skiltning og vejvisning", "Vejafvanding",
        ], laws: ["Lov om offentlige veje", "Lov om private fællesveje", "Færdselsloven"]),
        MainGroup(number: 6, title: "Vand og vandløb", groups: [
            "Vandforsyning", "Vandløb", "Spildevand", "Grundvandsbeskyttelse", "Vandindvinding",
            "Søer og vådområder", "Oversvømmelser og klimatilpasning", "Badevandskvalitet",
            "Regnvandshåndtering", "Drikkevandskontrol",
        ], laws: ["Lov om vandforsyning", "Lov om vandløb", "Miljøbeskyttelsesloven"]),
        MainGroup(number: 7, title: "Forsyning", groups: [
            "Elforsyning", "Varmeforsyning", "Gasforsyning", "Affaldshåndtering", "Genbrugspladser",
            "Fjernvarme", "Vedvarende energi", "Energibesparelser", "Forsyningsselskaber",
            "Kommunale affaldsordninger",
        ], laws: ["Lov om varmeforsyning", "Lov om elforsyning", "Affaldsbekendtgørelsen"]),
        MainGroup(number: 8, title: "Kollektiv trafik", groups: [
            "Busdrift", "Trafikselskaber", "Handicapkørsel", "Skolekørsel", "Flextrafik", "Jernbaner",
            "Færger", "Lufthavne", "Takster i kollektiv trafik", "Stoppesteder og terminaler",
        ], laws: ["Lov om trafikselskaber", "Lov om taxikørsel m.v."]),
        MainGroup(number: 9, title: "Miljøbeskyttelse", groups: [
            "Virksomheders miljøforhold", "Jordforurening", "Luftforurening", "Støj", "Husdyrbrug",
            "Kemikalier og pesticider", "Olietanke", "Miljøtilsyn", "Affaldsdeponering",
            "Skadedyrsbekæmpelse", "Miljøgodkendelser",
        ], laws: ["Miljøbeskyttelsesloven", "Lov om forurenet jord", "Lov om miljøgodkendelse m.v. af husdyrbrug"]),
        MainGroup(number: 13, title: "Ledningsnet og kabler", groups: [
            "Ledningsregistrering", "Fibernet og bredbånd", "Mobilmaster", "Fjernvarmeledninger",
            "Kloakledninger", "Gasledninger", "Ledningsomlægninger", "Graveskader", "Elkabler",
        ], laws: ["Lov om registrering af ledningsejere", "Lov om graveadgang"]),
        MainGroup(number: 14, title: "Kommunens ejendomme", groups: [
            "Administration af kommunale ejendomme", "Køb og salg af fast ejendom",
            "Udlejning af kommunale lokaler", "Vedligeholdelse af bygninger", "Rengøring",
            "Energistyring i kommunale bygninger", "Servitutter", "Ekspropriation", "Jordforsyning",
            "Ejendomsvurdering",
        ], laws: ["Lov om kommunernes styrelse", "Lov om fremgangsmåden ved ekspropriation vedrørende fast ejendom"]),
        MainGroup(number: 15, title: "Redningsberedskab", groups: [
            "Redningsberedskabets organisation", "Brandforebyggelse", "Brandsyn",
            "Risikobaseret dimensionering", "Civilt beredskab", "Beredskabsplaner", "Fyrværkeri",
            "Brandhaner", "Skorstensfejning", "Alarmering",
        ], laws: ["Beredskabsloven", "Bekendtgørelse om brandværnsforanstaltninger"]),
        MainGroup(number: 16, title: "Befolkningsregistrering", groups: [
            "Folkeregistrering", "Flytninger", "Navne og navneændringer", "Personnumre",
            "Navne- og adressebeskyttelse", "Udrejse og indrejse", "Vielser", "Dødsfald og begravelse",
            "Faderskab", "Indfødsret", "Attester",
        ], laws: ["Lov om Det Centrale Personregister", "Navneloven", "Lov om ægteskabs indgåelse og opløsning"]),
        MainGroup(number: 17, title: "Undervisning og uddannelse", groups: [
            "Skoler og undervisning", "Folkeskolens styrelse", "Specialundervisning",
            "Skolefritidsordninger", "Elevers forhold", "Pædagogisk psykologisk rådgivning",
            "Ungdomsvejledning", "Ungdomsskolen", "Privatskoler og friskoler", "Voksenuddannelse",
            "Erhvervsgrunduddannelse", "Undervisning af tosprogede elever", "Skolesundhed",
            "Prøver og eksamen",
        ], laws: ["Folkeskoleloven", "Lov om ungdomsskoler", "Lov om friskoler og private grundskoler m.v."]),
        MainGroup(number: 18, title: "Kultur", groups: [
            "Museer", "Teatre", "Musikskoler", "Kunstneriske aktiviteter", "Kulturhuse",
            "Lokalhistoriske arkiver", "Kulturarv", "Festivaler og arrangementer",
            "Kulturelle foreninger", "Biografer",
        ], laws: ["Museumsloven", "Musikloven", "Scenekunstloven"]),
        MainGroup(number: 19, title: "Folkeoplysning og fritid", groups: [
            "Folkeoplysende voksenundervisning", "Frivilligt foreningsarbejde", "Fritidsklubber",
            "Idrætsforeninger", "Lokaletilskud", "Ungdomsklubber", "Aftenskoler", "Spejderforeninger",
            "Fritidspas",
        ], laws: ["Folkeoplysningsloven"]),
        MainGroup(number: 20, title: "Biblioteker", groups: [
            "Folkebiblioteker", "Bogbusser", "Materialevalg", "Fjernlån", "Digitale biblioteksressourcer",
            "Lånerregistrering", "Bibliotekets arrangementer", "Skolebiblioteker",
        ], laws: ["Lov om biblioteksvirksomhed"]),
        MainGroup(number: 22, title: "Kirker og kirkegårde", groups: [
            "Kirkegårde", "Begravelsespladser", "Kirkeskat", "Gravsteder", "Krematorier", "Kapeller",
            "Trossamfund",
        ], laws: ["Lov om begravelse og ligbrænding", "Lov om folkekirkens økonomi"]),
        MainGroup(number: 23, title: "Beskæftigelse", groups: [
            "Jobcentrets opgaver", "Aktivering", "Virksomhedspraktik", "Løntilskud", "Fleksjob",
            "Ressourceforløb", "Jobafklaringsforløb", "Sygedagpengeopfølgning", "Revalidering",
            "Jobrotation", "Voksenlærlinge", "Seniorjob",
        ], laws: ["Lov om aktiv beskæftigelsesindsats", "Lov om sygedagpenge", "Lov om en aktiv socialpolitik"]),
        MainGroup(number: 24, title: "Sundhed", groups: [
            "Sundhedspleje", "Tandpleje", "Forebyggelse og sundhedsfremme", "Genoptræning",
            "Hjemmesygepleje", "Misbrugsbehandling", "Psykiatri", "Hygiejne", "Vaccinationer",
            "Praktiserende læger", "Sygehusvæsen", "Patientrettigheder",
        ], laws: ["Sundhedsloven", "Lov om klage- og erstatningsadgang inden for sundhedsvæsenet"]),
        MainGroup(number: 25, title: "Sociale pensioner", groups: [
            "Folkepension", "Førtidspension", "Personlige tillæg", "Helbredstillæg", "Varmetillæg",
            "Seniorpension", "Boligydelse til pensionister", "Ældrecheck",
        ], laws: ["Lov om social pension", "Lov om højeste, mellemste, forhøjet almindelig og almindelig førtidspension m.v."]),
        MainGroup(number: 27, title: "Social service", groups: [
            "Hjemmehjælp", "Plejeboliger", "Hjælpemidler", "Forbrugsgoder", "Madservice", "Dagcentre",
            "Aflastning", "Ledsageordning", "Socialpædagogisk støtte", "Botilbud", "Handicapbiler",
            "Borgerstyret personlig assistance",
        ], laws: ["Lov om social service", "Lov om retssikkerhed og administration på det sociale område"]),
        MainGroup(number: 28, title: "Børn og unge", groups: [
            "Dagtilbud", "Dagpleje", "Vuggestuer og børnehaver", "Børnepasning", "Forældrebetaling",
            "Tilskud til privat pasning", "Forebyggende foranstaltninger", "Anbringelse uden for hjemmet",
            "Børnefaglige undersøgelser", "Underretninger", "Efterværn", "Plejefamilier",
            "Ungdomskriminalitet",
        ], laws: ["Dagtilbudsloven", "Barnets lov", "Lov om social service"]),
        MainGroup(number: 29, title: "Handicap", groups: [
            "Merudgifter ved forsørgelse", "Tabt arbejdsfortjeneste", "Specialtilbud til voksne",
            "Beskyttet beskæftigelse", "Handicaprådet", "Tilgængelighed for handicappede",
            "Tegnsprogstolkning", "Kommunikationscentre",
        ], laws: ["Lov om social service", "Lov om specialundervisning for voksne"]),
        MainGroup(number: 31, title: "Ældre", groups: [
            "Ældreråd", "Forebyggende hjemmebesøg", "Plejehjem", "Demens", "Ældreboliger med service",
            "Frit valg af leverandør", "Værdighedspolitik", "Klippekortordninger",
        ], laws: ["Lov om social service", "Lov om almene boliger"]),
        MainGroup(number: 32, title: "Sociale ydelser", groups: [
            "Kontanthjælp", "Uddannelseshjælp", "Enkeltydelser", "Boligstøtte", "Børnetilskud",
            "Børne- og ungeydelse", "Økonomisk fripladstilskud", "Lån til indskud",
            "Hjælp til sygebehandling", "Tilbagebetaling af ydelser", "Særlig støtte",
            "Selvforsørgelses- og hjemrejseydelse",
        ], laws: ["Lov om en aktiv socialpolitik", "Lov om individuel boligstøtte", "Lov om børnetilskud og forskudsvis udbetaling af børnebidrag"]),
        MainGroup(number: 33, title: "Udlændinge og integration", groups: [
            "Modtagelse af flygtninge", "Boligplacering af flygtninge", "Danskuddannelse",
            "Familiesammenføring", "Integrationskontrakter", "Repatriering", "Tolkebistand",
            "Integrationsråd",
        ], laws: ["Integrationsloven", "Udlændingeloven", "Lov om danskuddannelse til voksne udlændinge m.fl."]),
        MainGroup(number: 81, title: "Personale", groups: [
            "Ansættelse", "Løn", "Arbejdsmiljø", "Ferie og fravær", "Pension for ansatte",
            "Uddannelse af personale", "Fratrædelse", "Tillidsrepræsentanter", "Seniorordninger",
            "Elever og lærlinge", "Overenskomster",
        ], laws: ["Ferieloven", "Lov om arbejdsmiljø", "Funktionærloven"]),
        MainGroup(number: 82, title: "Indkøb og udbud", groups: [
            "Udbud af varer", "Udbud af tjenesteydelser", "Rammeaftaler", "Indkøbsfællesskaber",
            "Leverandørstyring", "Kontraktopfølgning", "Sociale klausuler", "Bæredygtige indkøb",
        ], laws: ["Udbudsloven", "Tilbudsloven"]),
        MainGroup(number: 83, title: "Erhverv", groups: [
            "Erhvervsservice", "Turisme", "Landbrug", "Fiskeri", "Alkoholbevillinger",
            "Handel og markeder", "Iværksætteri", "Erhvervsfremme", "Landdistriktsudvikling",
            "EU-projekter",
        ], laws: ["Lov om erhvervsfremme", "Restaurationsloven"]),
        MainGroup(number: 84, title: "Økonomi", groups: [
            "Budget", "Regnskab", "Revision", "Kommunale skatter", "Ejendomsskat", "Lån og garantier",
            "Likviditet", "Udligning og tilskud", "Inddrivelse af restancer", "Betalinger",
            "Kommunale takster", "Momsrefusion",
        ], laws: ["Lov om kommunernes styrelse", "Lov om kommunal udligning og generelle tilskud til kommuner", "Lov om kommunal ejendomsskat"]),
        MainGroup(number: 85, title: "Kommunens administration", groups: [
            "Journalisering", "Dokumentstyring", "Informationssikkerhed", "Databeskyttelse", "Aktindsigt",
            "Klagesager", "Post og forsendelse", "Tolkning og oversættelse", "Administrative forskrifter",
            "Kommunens hjemmeside",
        ], laws: ["Offentlighedsloven", "Databeskyttelsesloven", "Arkivloven"]),
    ]

    /// Added to a group title when a main group needs more groups than it has titles.
    static let groupQualifiers: [String] = [
        "– særlige ordninger", "– tilsyn og kontrol", "– økonomi og tilskud", "– samarbejde",
        "– klager og ankesager", "– projekter",
    ]

    /// Subject titles; `{x}` is a lowercased group title. A group's `.00` subject is always
    /// "<group> i almindelighed", as in the real plan.
    static let subjectTemplates: [String] = [
        "Tilsyn med {x}", "Klager over {x}", "Tilskud til {x}", "Ansøgning om {x}",
        "Dispensation vedrørende {x}", "Godkendelse af {x}", "Gebyrer for {x}", "Kontrol med {x}",
        "Planlægning af {x}", "Samarbejde om {x}", "Registrering af {x}", "Indberetning om {x}",
        "Vejledning om {x}", "Udbud af {x}", "Evaluering af {x}", "Statistik om {x}",
        "Påbud og forbud vedrørende {x}", "Erstatning i forbindelse med {x}", "Takster for {x}",
        "Kvalitetsstandarder for {x}", "Handleplaner for {x}", "Visitation til {x}",
        "Økonomisk støtte til {x}", "Aftaler med private om {x}", "Regnskab og revision af {x}",
        "Digital selvbetjening om {x}", "Frister og sagsbehandlingstider for {x}",
    ]

    /// Guidance sentences; `{x}`/`{y}` are lowercased titles, `{n}` a sibling number,
    /// `{d}` a date. Some carry `&`, `<`, `>` and quotes on purpose, so the XML escaping
    /// is exercised by every extract.
    static let guidanceSentences: [String] = [
        "Her journaliseres sager om {x}.",
        "Emnet omfatter {x}, herunder {y}.",
        "Sager om {y} journaliseres dog under {n}.",
        "Bemærk, at sager om {x} & {y} kun journaliseres her, når kommunen er myndighed.",
        "Gælder ansøgninger om beløb < 50.000 kr.; beløb > 50.000 kr. behandles af udvalget.",
        "Se også KL's vejledning \"{X}\".",
        "Anvendes til den enkelte borgers eller virksomheds sag om {x}.",
        "Fristen for sagsbehandling fremgår af kommunens servicedeklaration for {x}.",
        "Generelle sager om {y} journaliseres under {n}.",
        "Sager, hvor kommunen alene afgiver 'høringssvar' om {x}, journaliseres også her.",
        "Emnet dækker både myndighedsopgaven og driften af {x}.",
        "Aftaler med andre myndigheder om {y} journaliseres under dette emne.",
    ]

    /// A sentence added to guidance when a version revises it, so the change is visible.
    static let revisionSentences: [String] = [
        "Vejledningen er præciseret pr. {d} som følge af ny lovgivning om {x}.",
        "Fra {d} omfatter emnet også {y}.",
        "Pr. {d} journaliseres sager om {y} ikke længere her.",
        "Teksten er ajourført pr. {d} efter ændring af reglerne om {x}.",
    ]

    /// Preservation codes with weights (`BevaringJaevnfoerArkivloven`).
    static let preservationCodes: [(code: String, weight: Int)] = [("K", 60), ("B", 26), ("B1", 8), ("B2", 6)]

    /// Deletion periods in years (`SletningJaevnfoerPersondataloven`), picked uniformly.
    static let deletionYears: [Int] = [1, 2, 3, 5, 5, 5, 5, 10, 10, 20, 30]
}
