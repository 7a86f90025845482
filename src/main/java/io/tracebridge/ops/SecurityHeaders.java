package io.tracebridge.ops;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Response headers that every answer of the HTTP port carries, errors included (they are set when
 * the headers are written, after every route and handler):
 * <ul>
 *   <li>{@code Content-Security-Policy}: the explorer loads only its own scripts, styles and
 *   data, and no page of this service can be framed ({@code frame-ancestors 'none'}, against
 *   clickjacking). Swagger UI's page, which has inline scripts, gets the same policy with inline
 *   scripts and styles allowed.</li>
 *   <li>{@code X-Content-Type-Options: nosniff} and {@code Referrer-Policy: no-referrer}.</li>
 *   <li>Static files (the explorer's {@code index.html} and {@code /ui/*}, whose names carry no
 *   version) are answered {@code Cache-Control: no-cache}: browsers revalidate them
 *   ({@code Last-Modified}, 304) instead of keeping a previous release's code for a day.</li>
 * </ul>
 */
@ApplicationScoped
public class SecurityHeaders {
    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    static final String SWAGGER_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            + "frame-ancestors 'none'";

    void register(@Observes Filters filters) {
        filters.register(this::handle, 10_000);
    }

    private void handle(RoutingContext ctx) {
        boolean swagger = ctx.normalizedPath().startsWith("/q/swagger-ui");
        ctx.addHeadersEndHandler(v -> {
            HttpServerResponse r = ctx.response();
            r.headers().set("Content-Security-Policy", swagger ? SWAGGER_CSP : CSP);
            r.headers().set("X-Content-Type-Options", "nosniff");
            r.headers().set("Referrer-Policy", "no-referrer");
            r.headers().set("X-Frame-Options", "DENY");
            // Only the static-file handler sets Cache-Control (public, immutable, max-age=86400).
            if (r.headers().contains("Cache-Control") && !swagger) {
                r.headers().set("Cache-Control", "no-cache");
            }
        });
        ctx.next();
    }
}
