import BusinessCalendar
import Foundation
import Gateway
import SourceStubs
import Store
import Testing

/// The CPR subscription service through the real gateway: TLS with a client certificate,
/// the invocation context, the agreement check and the audit, called with curl in both
/// bindings, REST and SOAP.
@Suite struct SubscriptionGatewayTests {
    static let subscriptionService = ServiceCatalog.service(key: "cpr-subscription")!.uuid

    static func context(callID: String = "sag-4711") -> [String: String] {
        var c = GatewayFixture.context(agreement: GatewayFixture.subscriptionAgreement, service: subscriptionService)
        c["OnBehalfOfUser"] = "sagsbehandler-kn"
        c["CallersServiceCallIdentifier"] = callID
        return c
    }

    /// A PNR the fixture's register holds today.
    static func registeredPNR(_ index: Int = 8) throws -> String {
        let population = try CPRPopulation(seed: 7, size: 20_000, epoch: CivilDate(year: 2020, month: 1, day: 1)!)
        return try #require((index..<(index + 100)).lazy.compactMap { i in population.pnr(ofIndex: i) }
            .first { population.person(pnr: $0, on: GatewayFixture.today) != nil })
    }

    static func rest(_ f: GatewayFixture, _ method: String, _ path: String, callID: String = "sag-4711") async throws -> GatewayFixture.Answer {
        try await f.get(path, headers: context(callID: callID), extra: ["-X", method])
    }

    static func soap(_ f: GatewayFixture, _ operation: String, _ body: String, headers: [String: String] = [:],
                     inEnvelopeContext: Bool = true) async throws -> GatewayFixture.Answer {
        let ctx = context()
        let contextXML = inEnvelopeContext ? """
            <inv:InvocationContext xmlns:inv="http://serviceplatformen.dk/xml/schemas/InvocationContext/1/">
              <inv:ServiceAgreementUUID>\(ctx["ServiceAgreementUUID"]!)</inv:ServiceAgreementUUID>
              <inv:UserSystemUUID>\(ctx["UserSystemUUID"]!)</inv:UserSystemUUID>
              <inv:UserUUID>\(ctx["UserUUID"]!)</inv:UserUUID>
              <inv:ServiceUUID>\(ctx["ServiceUUID"]!)</inv:ServiceUUID>
              <inv:OnBehalfOfUser>sagsbehandler-kn</inv:OnBehalfOfUser>
              <inv:CallersServiceCallIdentifier>soap-0815</inv:CallersServiceCallIdentifier>
            </inv:InvocationContext>
            """ : ""
        let envelope = """
            <?xml version="1.0" encoding="UTF-8"?>
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="\(SOAPEnvelope.serviceNamespace)">
              <soapenv:Header/>
              <soapenv:Body>
                <ns:\(operation)>
                  \(contextXML)
                  \(body)
                </ns:\(operation)>
              </soapenv:Body>
            </soapenv:Envelope>
            """
        return try await f.get("/soap/CprSubscriptionService/1", headers: headers.merging(["SOAPAction": "\"\(operation)\""]) { a, _ in a },
                               extra: ["-X", "POST", "-H", "Content-Type: text/xml; charset=utf-8", "--data-binary", envelope])
    }

    static func result(_ answer: GatewayFixture.Answer) -> String? {
        guard let r = answer.body.range(of: "\"result\":\"") else {
            guard let s = answer.body.range(of: "<ns:Result>"), let e = answer.body.range(of: "</ns:Result>") else { return nil }
            return String(answer.body[s.upperBound..<e.lowerBound])
        }
        return String(answer.body[r.upperBound...].prefix { $0 != "\"" })
    }

    @Test func restAddAlreadyExistedRemoveNonExisting() async throws {
        let pnr = try Self.registeredPNR()
        try await GatewayFixture.with { f in
            let add = try await Self.rest(f, "PUT", "/cpr/subscriptions/pnrs/\(pnr)")
            #expect(add.status == 200, "\(add.body)")
            #expect(Self.result(add) == "ADDED")
            #expect(Self.result(try await Self.rest(f, "PUT", "/cpr/subscriptions/pnrs/\(pnr)")) == "ALREADY_EXISTED")
            #expect(Self.result(try await Self.rest(f, "DELETE", "/cpr/subscriptions/pnrs/\(pnr)")) == "REMOVED")
            #expect(Self.result(try await Self.rest(f, "DELETE", "/cpr/subscriptions/pnrs/\(pnr)")) == "NON_EXISTING_PNR")
            // Ten digits, but nobody's: day 00 is no date.
            #expect(Self.result(try await Self.rest(f, "PUT", "/cpr/subscriptions/pnrs/0000000000")) == "NON_EXISTING_PNR")

            // An invalid PNR is a fault naming the field.
            let bad = try await Self.rest(f, "PUT", "/cpr/subscriptions/pnrs/12345")
            #expect(bad.status == 400)
            #expect(bad.body.contains("\"field\":\"PNR\""), "\(bad.body)")

            // Municipality and change codes; another municipality than the agreement's is refused.
            #expect(Self.result(try await Self.rest(f, "PUT", "/cpr/subscriptions/municipalities/0101")) == "ADDED")
            let other = try await Self.rest(f, "PUT", "/cpr/subscriptions/municipalities/0751")
            #expect(other.status == 403 && other.body.contains("0101"), "\(other.body)")
            #expect(Self.result(try await Self.rest(f, "PUT", "/cpr/subscriptions/change-codes/A05")) == "ADDED")
            #expect(Self.result(try await Self.rest(f, "DELETE", "/cpr/subscriptions/change-codes/A10")) == "NON_EXISTING")
            #expect(try await Self.rest(f, "PUT", "/cpr/subscriptions/change-codes/Z99").status == 400)
            #expect(Self.result(try await Self.rest(f, "PUT", "/cpr/subscriptions/pnrs/\(pnr)")) == "ADDED")

            let all = try await f.get("/cpr/subscriptions?pageSize=10", headers: Self.context())
            #expect(all.status == 200)
            #expect(all.body.contains("\"pnrs\":[\"\(pnr)\"]"), "\(all.body)")
            #expect(all.body.contains("\"municipalityCodes\":[\"0101\"]") && all.body.contains("\"changeCodes\":[\"A05\"]"), "\(all.body)")
            #expect(all.body.contains("\"totalPnrs\":1") && all.body.contains("\"hasMore\":false"), "\(all.body)")

            // Audited: who, on behalf of whom, the caller's call id; and the calls in the gateway's audit.
            let audit = try f.store.auditLog(limit: 50).filter { $0.action.hasPrefix("subscription.") }
            let added = try #require(audit.last { $0.action == "subscription.add" && $0.detail.contains(pnr) })
            #expect(added.actor == "sag-kbh" && added.subject == GatewayFixture.subscriptionAgreement)
            #expect(added.detail.contains("on behalf of sagsbehandler-kn") && added.detail.contains("sag-4711"), "\(added.detail)")
            #expect(audit.contains { $0.action == "subscription.remove" })
            let calls = try await f.auditRows().filter { $0.service == "cpr-subscription" }
            #expect(calls.count == 13)
            #expect(calls.allSatisfy { $0.onBehalfOfUser == "sagsbehandler-kn" })
            #expect(calls.contains { $0.operation == "cpr.subscription.filters" && $0.status == 200 })
        }
    }

    @Test func soapBindingWithTheContextInTheEnvelope() async throws {
        let pnr = try Self.registeredPNR(40)
        try await GatewayFixture.with { f in
            let add = try await Self.soap(f, "AddPNRSubscription", "<ns:PNR>\(pnr)</ns:PNR>")
            #expect(add.status == 200, "\(add.body)")
            #expect(add.body.contains("<ns:AddPNRSubscriptionResponse xmlns:ns=\"\(SOAPEnvelope.serviceNamespace)\">"), "\(add.body)")
            #expect(Self.result(add) == "ADDED")
            #expect(Self.result(try await Self.soap(f, "AddPNRSubscription", "<ns:PNR>\(pnr)</ns:PNR>")) == "ALREADY_EXISTED")
            // The context as headers works too.
            let byHeaders = try await Self.soap(f, "RemovePNRSubscription", "<ns:PNR>\(pnr)</ns:PNR>", headers: Self.context(), inEnvelopeContext: false)
            #expect(Self.result(byHeaders) == "REMOVED", "\(byHeaders.body)")
            #expect(Self.result(try await Self.soap(f, "RemovePNRSubscription", "<ns:PNR>\(pnr)</ns:PNR>")) == "NON_EXISTING_PNR")
            #expect(Self.result(try await Self.soap(f, "AddPNRSubscription", "<ns:PNR>0000000000</ns:PNR>")) == "NON_EXISTING_PNR")
            #expect(Self.result(try await Self.soap(f, "AddChangeCodeSubscription", "<ns:ChangeCode>A06</ns:ChangeCode>")) == "ADDED")
            #expect(Self.result(try await Self.soap(f, "AddMunicipalityCodeSubscription", "<ns:MunicipalityCode>0101</ns:MunicipalityCode>")) == "ADDED")
            #expect(Self.result(try await Self.soap(f, "RemoveMunicipalityCodeSubscription", "<ns:MunicipalityCode>0101</ns:MunicipalityCode>")) == "REMOVED")

            let all = try await Self.soap(f, "GetAllFilters", "<ns:PageSize>50</ns:PageSize>")
            #expect(all.status == 200)
            #expect(all.body.contains("<ns:ChangeCode>A06</ns:ChangeCode>") && all.body.contains("<ns:TotalPNRs>0</ns:TotalPNRs>"), "\(all.body)")

            // Faults are SOAP faults (HTTP 500), naming the field; the audit keeps the real status.
            let bad = try await Self.soap(f, "AddPNRSubscription", "<ns:PNR>0101-901234</ns:PNR>")
            #expect(bad.status == 500)
            #expect(bad.body.contains("<faultcode>soap:Client</faultcode>") && bad.body.contains("<ns:Field>PNR</ns:Field>"), "\(bad.body)")
            let unknown = try await Self.soap(f, "DeleteEverything", "")
            #expect(unknown.status == 500 && unknown.body.contains("not one of AddPNRSubscription"), "\(unknown.body)")
            let garbage = try await f.get("/soap/CprSubscriptionService/1", headers: Self.context(),
                                          extra: ["-X", "POST", "--data-binary", "<e:Envelope><b></e:Envelope>"])
            #expect(garbage.status == 500 && garbage.body.contains("&lt;/Envelope&gt; closes &lt;b&gt;"), "\(garbage.body)")
            let doctype = try await f.get("/soap/CprSubscriptionService/1", headers: Self.context(),
                                          extra: ["-X", "POST", "--data-binary", "<!DOCTYPE x [<!ENTITY a \"b\">]><Envelope/>"])
            #expect(doctype.status == 500 && doctype.body.contains("DOCTYPE"), "\(doctype.body)")

            let audit = try f.store.auditLog(limit: 50).filter { $0.action == "subscription.add" }
            #expect(audit.contains { $0.detail.contains("soap-0815") && $0.detail.contains("sagsbehandler-kn") })
            let calls = try await f.auditRows().filter { $0.service == "cpr-subscription" }
            #expect(calls.contains { $0.status == 400 && $0.outcome == "bad-request" })
        }
    }

    @Test func aTerminatedAgreementStopsTheCalls() async throws {
        let pnr = try Self.registeredPNR()
        try await GatewayFixture.with { f in
            #expect(Self.result(try await Self.rest(f, "PUT", "/cpr/subscriptions/pnrs/\(pnr)")) == "ADDED")
            let line = "service: cpr-subscription, state: approved"
            try await f.apply(f.configText.replacingOccurrences(of: line, with: "service: cpr-subscription, state: terminated"))
            // From the directory's next refresh (every 5 s on the gateway's clock) on.
            await f.housekeepingSettled()
            f.manual.advance(by: .seconds(5))
            _ = try await eventually { try await f.get("/cpr/subscriptions", headers: Self.context()).status == 403 }
            let refused = try await Self.rest(f, "DELETE", "/cpr/subscriptions/pnrs/\(pnr)")
            #expect(refused.status == 403 && refused.body.contains("terminated"), "\(refused.body)")
            let soap = try await Self.soap(f, "GetAllFilters", "")
            #expect(soap.status == 500 && soap.body.contains("<ns:Status>403</ns:Status>"), "\(soap.body)")
            // The filters are kept (the agreement's state alone decides whether they are used).
            #expect(try f.store.subscriptionFilters(agreement: GatewayFixture.subscriptionAgreement).pnrs == [pnr])
        }
    }
}
