package io.tracebridge.ingest;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * No HTTP/2 over cleartext (h2c, upgrade or prior knowledge) on the HTTP port. An HTTP/2 request
 * need not announce its body's length, so {@link OtlpHttpAdmission} could not charge it before
 * Vert.x buffers it: with h2c on, a client could send bodies past the byte budget. OTLP/HTTP
 * exporters and MLflow's clients speak HTTP/1.1 to an {@code http://} endpoint; OTLP/gRPC has its
 * own port. With TLS configured, HTTP/2 bodies without a length are charged as chunked ones.
 */
@ApplicationScoped
public class NoCleartextHttp2 implements HttpServerOptionsCustomizer {
    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }
}
