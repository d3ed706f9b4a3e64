import Hummingbird

/// `/openapi.json` and the `/docs` page rendered from it.
struct DocumentationRoutes {
    func register(on routes: RouteRecorder) {
        let document = OpenAPIDocument.build()
        let json = ByteBuffer(bytes: document.serialized())
        let html = ByteBuffer(string: DocsPage.render(document))
        routes.on(.get, "/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: json))
        }
        routes.on(.get, "/docs") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: html))
        }
    }
}
