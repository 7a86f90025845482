package io.tracebridge.security;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.tracebridge.api.ErrorMapper;
import io.tracebridge.ingest.OtlpEncoding;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Authenticates every HTTP request before any route runs: the REST API, OTLP/HTTP, metrics,
 * OpenAPI and Swagger UI. Only health ({@code /q/health}, {@code /q/health/*}, MLflow's
 * {@code /health}), {@code /version} and the explorer's static files stay open. Missing or unknown token: 401
 * UNAUTHENTICATED; a token whose scope is too small: 403 PERMISSION_DENIED; both as MLflow
 * error JSON, or as an OTLP {@code google.rpc.Status} on {@code /v1/traces}.
 */
@ApplicationScoped
public class HttpAuthFilter {
    static final String CALLER_KEY = "tracebridge.caller";
    private static final Pattern DELETE_TRACES = Pattern.compile("/api/[23]\\.0/mlflow/traces/delete-traces/?");
    private static final Pattern SEARCH = Pattern.compile("/api/[23]\\.0/mlflow/(traces|experiments)/search/?");

    private final TokenRegistry registry;

    public HttpAuthFilter(TokenRegistry registry) {
        this.registry = registry;
    }

    void register(@Observes Filters filters) {
        if (registry.enabled()) {
            filters.register(this::handle, 1_000);
        }
    }

    /** The scope a request needs; empty for the open endpoints. */
    static Optional<Scope> required(HttpMethod method, String path) {
        if (path.equals("/version") || path.equals("/health") || path.equals("/q/health") || path.equals("/q/health/")
                || path.startsWith("/q/health/") || isUiAsset(method, path)) {
            return Optional.empty();
        }
        if (path.equals("/v1/traces") || path.equals("/v1/traces/")) {
            return Optional.of(Scope.WRITE);
        }
        if (DELETE_TRACES.matcher(path).matches()) {
            return Optional.of(Scope.ADMIN);
        }
        if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || (method == HttpMethod.POST && SEARCH.matcher(path).matches())) {
            return Optional.of(Scope.READ);
        }
        return Optional.of(Scope.WRITE);
    }

    /**
     * The explorer's static files (index.html and /ui/*) hold no data; the page asks for a token
     * and sends it on every API call. Any other method on those paths still needs a token.
     */
    private static boolean isUiAsset(HttpMethod method, String path) {
        return (method == HttpMethod.GET || method == HttpMethod.HEAD)
                && (path.equals("/") || path.equals("/index.html") || (path.startsWith("/ui/") && !path.contains("..")));
    }

    private void handle(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        Optional<Scope> needed = required(ctx.request().method(), path);
        if (needed.isEmpty()) {
            ctx.next();
            return;
        }
        Optional<ApiToken> token = registry.authenticate(ctx.request().getHeader("Authorization"));
        if (token.isEmpty()) {
            fail(ctx, path, ErrorCode.UNAUTHENTICATED, 401, 16,
                    "Missing or unknown API token; send 'Authorization: Bearer <token>'");
            return;
        }
        try {
            token.get().requireScope(needed.get());
        } catch (MlflowException denied) {
            fail(ctx, path, denied.code(), 403, 7, denied.getMessage());
            return;
        }
        ctx.put(CALLER_KEY, token.get());
        ctx.next();
    }

    private static void fail(RoutingContext ctx, String path, ErrorCode code, int status, int grpcCode, String message) {
        var response = ctx.response().setStatusCode(status);
        if (status == 401) {
            response.putHeader("WWW-Authenticate", "Bearer realm=\"tracebridge\"");
        }
        if (path.startsWith("/v1/traces")) {
            OtlpEncoding encoding = OtlpEncoding.fromContentType(ctx.request().getHeader("Content-Type"));
            if (encoding == null) {
                encoding = OtlpEncoding.JSON;
            }
            response.putHeader("Content-Type", encoding.mediaType()).end(Buffer.buffer(encoding.statusBody(grpcCode, message)));
            return;
        }
        response.putHeader("Content-Type", "application/json").end(ErrorMapper.json(code, message));
    }
}
