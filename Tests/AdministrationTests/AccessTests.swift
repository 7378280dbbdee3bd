import Administration
import Foundation
import Store
import Testing

/// The rules of `Access`, exhaustively: every role in every kind of organisation against
/// every act on objects that are its own, another's, or the platform's.
@Suite struct AccessTests {
    static let supplierA = Organisation(id: "cvr:11111111", kind: .supplier, name: "A", cvr: "11111111", createdAt: .distantPast)
    static let supplierB = Organisation(id: "cvr:22222222", kind: .supplier, name: "B", cvr: "22222222", createdAt: .distantPast)
    static let kbh = Organisation(id: "kommune:0101", kind: .municipality, name: "København", municipality: "0101", createdAt: .distantPast)
    static let aarhus = Organisation(id: "kommune:0751", kind: .municipality, name: "Aarhus", municipality: "0751", createdAt: .distantPast)

    static func principal(_ o: Organisation, _ roles: Set<Role>) -> Principal {
        Principal(actor: "t", userId: 1, organisation: o, roles: roles)
    }

    /// An agreement of supplier A's system for København.
    static let agreement = Scope(supplier: supplierA.id, municipalities: ["0101"])

    @Test func approvalIsTheOwnMunicipalitysSignatorysAlone() {
        #expect(Access.decide(Self.principal(Self.kbh, [.signatory]), .approveAgreement, on: Self.agreement) == .allowed)
        #expect(Access.decide(Self.principal(Self.kbh, [.signatory]), .rejectAgreement, on: Self.agreement) == .allowed)
        // Another municipality's signatory does not even see it.
        #expect(Access.decide(Self.principal(Self.aarhus, [.signatory]), .approveAgreement, on: Self.agreement) == .notFound)
        // In scope, but not a signatory.
        for roles: Set<Role> in [[.user], [.admin], [.admin, .user]] {
            guard case .forbidden = Access.decide(Self.principal(Self.kbh, roles), .approveAgreement, on: Self.agreement) else {
                Issue.record("\(roles) of the municipality may not approve"); continue
            }
        }
        for roles: Set<Role> in [[.user], [.admin], [.signatory]] {
            guard case .forbidden = Access.decide(Self.principal(Self.supplierA, roles), .approveAgreement, on: Self.agreement) else {
                Issue.record("the supplier (\(roles)) may not approve its own agreement"); continue
            }
        }
        guard case .forbidden = Access.decide(.platformOperator(actor: "ops"), .approveAgreement, on: Self.agreement) else {
            Issue.record("an operator may not approve on a municipality's behalf"); return
        }
    }

    @Test func anObjectOutOfScopeIsNotFoundWhateverTheRoleAndAct() {
        let objectActs: [Act] = [.readOrganisation, .changeOrganisation, .readUsers, .manageUsers, .readSystem,
                                 .requestAgreement, .readAgreement, .approveAgreement, .rejectAgreement, .terminateAgreement, .readUsage]
        for org in [Self.supplierB, Self.aarhus] {
            for roles: Set<Role> in [[.user], [.admin], [.signatory], [.admin, .user, .signatory]] {
                for act in objectActs {
                    #expect(Access.decide(Self.principal(org, roles), act, on: Self.agreement) == .notFound, "\(org.id) \(roles) \(act)")
                }
            }
        }
    }

    @Test func operatorsSeeEverythingAndDoOnlyTheirOwnActs() {
        let ops = Principal.platformOperator(actor: "ops")
        for act in [Act.readOrganisation, .readUsers, .readSystem, .readAgreement, .readUsage, .terminateAgreement,
                    .manageUsers, .changeOrganisation, .createOrganisation, .operate] {
            #expect(Access.decide(ops, act, on: Self.agreement) == .allowed, "\(act)")
        }
        for act in [Act.requestAgreement, .approveAgreement, .rejectAgreement, .registerSystem] {
            guard case .forbidden = Access.decide(ops, act, on: Self.agreement) else { Issue.record("operator \(act)"); continue }
        }
    }

    @Test func onlyOperatorsOperateAndCreateOrganisations() {
        for org in [Self.supplierA, Self.kbh] {
            for roles: Set<Role> in [[.user], [.admin], [.signatory]] {
                for act in [Act.operate, .createOrganisation] {
                    guard case .forbidden = Access.decide(Self.principal(org, roles), act, on: .platform) else {
                        Issue.record("\(org.id) \(roles) \(act)"); continue
                    }
                }
            }
        }
    }

    @Test func suppliersRequestAndRegisterForThemselvesOnly() {
        for roles: Set<Role> in [[.user], [.admin]] {
            let p = Self.principal(Self.supplierA, roles)
            #expect(Access.decide(p, .requestAgreement, on: Self.agreement) == .allowed)
            #expect(Access.decide(p, .registerSystem, on: Scope(supplier: Self.supplierA.id)) == .allowed)
            #expect(Access.decide(p, .registerSystem, on: Scope(supplier: Self.supplierB.id)) == .notFound)
            #expect(Access.decide(p, .terminateAgreement, on: Self.agreement) == .allowed)
        }
        guard case .forbidden = Access.decide(Self.principal(Self.kbh, [.admin, .user]), .requestAgreement, on: Self.agreement) else {
            Issue.record("a municipality does not request agreements for a supplier's system"); return
        }
        guard case .forbidden = Access.decide(Self.principal(Self.kbh, [.user]), .registerSystem, on: Scope(supplier: Self.kbh.id)) else {
            Issue.record("a municipality does not register IT systems"); return
        }
    }

    @Test func eitherSideTerminatesButAMunicipalitysPlainUserDoesNot() {
        #expect(Access.decide(Self.principal(Self.kbh, [.signatory]), .terminateAgreement, on: Self.agreement) == .allowed)
        #expect(Access.decide(Self.principal(Self.kbh, [.admin]), .terminateAgreement, on: Self.agreement) == .allowed)
        guard case .forbidden = Access.decide(Self.principal(Self.kbh, [.user]), .terminateAgreement, on: Self.agreement) else {
            Issue.record("a municipality's plain user may not terminate"); return
        }
    }

    @Test func tokensLookPersonalAndAreStoredOnlyAsTheirDigest() {
        let a = TokenSecret.generate(), b = TokenSecret.generate()
        #expect(a != b && TokenSecret.looksPersonal(a) && !TokenSecret.looksPersonal("x" + a) && !TokenSecret.looksPersonal(String(a.dropLast())))
        #expect(TokenSecret.digest(a).count == 64 && TokenSecret.digest(a) != TokenSecret.digest(b) && !TokenSecret.digest(a).contains(a.dropFirst(4)))
    }

    @Test func monthsAreCopenhagenCalendarMonths() throws {
        let december = try #require(UsageMonth("2026-12"))
        // Copenhagen is UTC+1 in winter: the month starts at 23:00 UTC the evening before.
        #expect(december.start == Date(timeIntervalSince1970: 1_796_079_600))
        #expect(december.end.timeIntervalSince(december.start) == 31 * 86_400)
        for bad in ["2026-13", "2026-1", "26-12", "2026-12-01", "", "abcd-ef", "2026-00"] { #expect(UsageMonth(bad) == nil, "\(bad)") }
        #expect(UsageMonth(containing: december.start.addingTimeInterval(60)).text == "2026-12")
        #expect(UsageMonth(containing: december.start.addingTimeInterval(-60)).text == "2026-11")
    }
}
