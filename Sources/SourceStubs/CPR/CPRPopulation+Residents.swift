import BusinessCalendar

extension CPRPopulation {
    /// Every person registered on `date` (the status extract's scope), optionally only those
    /// whose address is in `municipality`, in walk order (see `CPRPersonCursor`). Searching
    /// by name or road is `search`, which answers the same from the search table.
    public func forEachPerson(on date: CivilDate, municipality: String? = nil,
                              _ body: (CPRPerson) throws -> Void) rethrows {
        var cursor = CPRPersonCursor(population: self, on: date, municipality: municipality)
        while let person = cursor.next() { try body(person) }
    }
}
