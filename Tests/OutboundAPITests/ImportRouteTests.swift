import Foundation
import HTTPTypes
import Testing
import OutboundAPI
import OutboundCore
import OutboundTestSupport

@Suite struct ImportRouteTests {
    func postCSV(_ api: APIClient, _ csv: String, query: String = "") async throws -> Reply {
        try await api.send(.post, "/v1/imports\(query)", json: nil, headers: [.contentType: "text/csv"], rawBody: csv)
    }

    @Test(arguments: StoreKind.covered) func aHundredThousandRowsThroughTheAPI(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            var csv = "First Name,E-mail,Phone,Industry\n"
            for i in 0..<100_000 {
                if i % 10_000 == 5 { csv += "Bad,not-an-email,,x\n"; continue }
                csv += "P\(i),p\(i)@example.com,+1415\(String(format: "%07d", i)),SaaS\n"
            }
            csv += "Dup,P7@EXAMPLE.com,,\n"
            let reply = try await api.sendPatiently(.post, "/v1/imports?filename=big.csv", headers: [.contentType: "text/csv"], rawBody: csv)
            #expect(reply.status == .created)
            #expect(reply.string("state") == "completed")
            #expect(reply.json.path("rows_read") == .number(100_001))
            #expect(reply.json.path("created") == .number(99_990))
            #expect(reply.json.path("invalid") == .number(10))
            #expect(reply.json.path("updated") == .number(1), "the last row adds a first name change to P7")
            let errors = try #require(reply["errors"]?.arrayValue, "no errors")
            #expect(errors.first == ["row": 7, "message": "email: must be an email address"])
            let id = try #require(reply.string("id"))
            #expect(try await api.send(.get, "/v1/imports/\(id)").json.path("created") == .number(99_990))
            let contact = try await api.send(.get, "/v1/contacts?limit=1")
            let items = try #require(contact["data"]?.arrayValue, "no contacts")
            #expect(items.first?.path("custom_fields", "Industry") == "SaaS")
        }
    }

    @Test(arguments: StoreKind.covered) func multipartUploadWithListAndMapping(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let list = try #require(try await api.send(.post, "/v1/lists", json: #"{"name": "Imported"}"#).string("id"))
            let boundary = "----outbound-test-boundary"
            let body = """
                --\(boundary)\r
                Content-Disposition: form-data; name="note"\r
                \r
                not the file\r
                --\(boundary)\r
                Content-Disposition: form-data; name="file"; filename="leads.csv"\r
                Content-Type: text/csv\r
                \r
                Name,Mail,LinkedIn\r
                "Doe, Jane",jane@example.com,linkedin.com/in/jane\r
                Bob,bob@example.com,\r
                --\(boundary)--\r

                """
            let reply = try await api.send(
                .post, "/v1/imports?list_id=\(list)&map=Name=first_name&map=Mail=email",
                json: nil, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], rawBody: body)
            #expect(reply.status == .created)
            #expect(reply.json.path("created") == .number(2))
            #expect(reply.json.path("filename") == .string("leads.csv"))
            let job = try #require(reply.string("id"))
            #expect(try await api.send(.get, "/v1/imports/\(job)").json.path("filename") == .string("leads.csv"))
            let members = try await api.send(.get, "/v1/lists/\(list)/members")
            #expect(members.dataIDs.count == 2)
            #expect(members.text.contains("Doe, Jane"))
            #expect(members.text.contains("https://www.linkedin.com/in/jane"))
        }
    }

    @Test(arguments: StoreKind.covered) func awkwardFilesReportRowsAndNeverAbort(_ store: StoreKind) async throws {
        let harness = try await Harness.make(store)
        try await harness.run { api in
            let csv = "\u{FEFF}email,first_name\r\na@example.com,\"A, the first\"\r\nb@example.com,B,extra\r\nc@example.com,\"unterminated\r\n"
            let reply = try await postCSV(api, csv)
            #expect(reply.status == .created)
            #expect(reply.json.path("created") == .number(1))
            #expect(reply.json.path("invalid") == .number(2))
            #expect(reply.text.contains("has 3 columns; the header has 2"))
            #expect(reply.text.contains("unterminated quoted field"))
            let empty = try await postCSV(api, "")
            #expect(empty.status == .unprocessableContent)
            #expect(empty.string("state") == "failed")
            let badMap = try await postCSV(api, "email\na@example.com\n", query: "?map=Nope=email")
            #expect(badMap.string("failure")?.contains("Nope") == true)
            #expect(try await postCSV(api, "email\n", query: "?map=email=shoe_size").status == .badRequest)
            #expect(try await postCSV(api, "email\n", query: "?list_id=list_00000000000000000000").status == .notFound)
            #expect(try await api.send(.post, "/v1/imports", json: #"{"email": "a@b.co"}"#).status == .badRequest)
        }
    }
}
