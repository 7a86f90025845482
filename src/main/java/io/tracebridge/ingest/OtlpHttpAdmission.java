package io.tracebridge.ingest;

import io.tracebridge.errors.ErrorBodies;
import io.tracebridge.errors.OtlpEncoding;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.tracebridge.ops.IngestMetrics;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Admits every HTTP request that has a body by bytes before the body is read, whatever its path
 * (an OTLP export, {@code /v1/traces;x=1}, or a REST call: Vert.x buffers them all alike). Vert.x and RESTEasy buffer a
 * body whole (up to {@code quarkus.http.limits.max-body-size}) before the resource runs, so
 * checking the budget in the resource would be too late: 64 concurrent 16 MiB bodies are 1 GiB
 * of buffers. This filter runs while the request is still paused and
 * reserves {@link #RECEIVED_COST_PER_BYTE} times the announced {@code Content-Length} (the
 * maximum body size for a chunked body, whose length is not known yet), and for an OTLP body of
 * announced length also its decoding cost for that length ({@link #decodeCostPerByte}); over the budget the
 * request gets 503 + Retry-After (or 413 if it could never fit) with an OTLP {@code Status} body
 * and its body is never buffered. The resource grows the same reservation while decoding; it is
 * given back when the response ends or the connection closes.
 */
@ApplicationScoped
public class OtlpHttpAdmission {
    /** Routing-context key of the request's {@link ByteBudget.Reservation}. */
    static final String RESERVATION_KEY = "tracebridge.otlp.reservation";
    /** Set by the OTLP resource when its ingest takes the reservation over. */
    static final String CLAIMED_KEY = "tracebridge.otlp.reservation.claimed";
    /** The body as Vert.x buffers it plus the {@code byte[]} copy the resource receives. */
    static final int RECEIVED_COST_PER_BYTE = 2;
    /**
     * A REST body is read whole into a {@code String} and then into a Jackson tree (a 15 MiB JSON
     * string value is held as the buffer, the body text, the parser's text buffer and the tree's
     * node at once): charged up front, as the REST resources do no charging of their own.
     * {@code MemoryBudgetIT} died of OutOfMemoryError at 2 per byte with six 15 MiB REST bodies.
     */
    static final int REST_COST_PER_BYTE = 8;
    /** After authentication (Quarkus Security: 200) and the path permissions (100), before the body handler. */
    static final int PRIORITY = 50;

    private final IngestService ingest;
    private final long maxBodyBytes;
    private final long bodyTimeoutMs;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(OtlpHttpAdmission.class);

    public OtlpHttpAdmission(IngestService ingest, io.tracebridge.ops.TracebridgeConfig config,
                             @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "16M") MemorySize maxBody) {
        this.ingest = ingest;
        this.maxBodyBytes = maxBody.asLongValue();
        this.bodyTimeoutMs = Math.max(1, config.ingest().httpBodyTimeout().toMillis());
    }

    void register(@Observes Filters filters) {
        filters.register(this::handle, PRIORITY);
    }

    private void handle(RoutingContext ctx) {
        long declared = contentLength(ctx.request().getHeader("Content-Length"));
        String transfer = ctx.request().getHeader("Transfer-Encoding");
        boolean chunked = transfer != null && transfer.toLowerCase(java.util.Locale.ROOT).contains("chunked");
        // HTTP/2 (only over TLS: NoCleartextHttp2) has no chunked encoding and may omit the length.
        boolean unannounced = ctx.request().version() == io.vertx.core.http.HttpVersion.HTTP_2 && declared < 0
                && ctx.request().method() != io.vertx.core.http.HttpMethod.GET
                && ctx.request().method() != io.vertx.core.http.HttpMethod.HEAD;
        chunked |= unannounced;
        if (declared <= 0 && !chunked) {
            ctx.next(); // no body
            return;
        }
        if (declared > maxBodyBytes) {
            ctx.next(); // Quarkus answers 413 without reading the body
            return;
        }
        ByteBudget.Reservation reservation = ingest.budget().open();
        try {
            // The path only picks the estimate; every body is admitted.
            boolean otlp = isOtlp(ctx);
            int cost = otlp ? RECEIVED_COST_PER_BYTE : REST_COST_PER_BYTE;
            reservation.add(cost * (declared >= 0 ? declared : maxBodyBytes));
            if (otlp && declared > 0) {
                // A body of known length decodes to at least its own size: take that decoding
                // cost now too. Admitted on its receiving cost alone, several large bodies could
                // fill the budget together and then each be refused half-way, none completing.
                reservation.addAhead(decodeCostPerByte(ctx.request().getHeader("Content-Type")) * declared);
            }
        } catch (OtlpException refused) {
            reservation.close(); // gives back the receiving cost when the decoding cost did not fit
            if (isOtlp(ctx)) {
                ingest.refused(IngestMetrics.Transport.HTTP, refused);
            }
            refuse(ctx, refused);
            return;
        }
        ctx.put(RESERVATION_KEY, reservation);
        // A body that is still arriving after the body timeout (a slow sender holding its share
        // of the budget) costs the sender its connection; the end handler then gives it back.
        long timer = ctx.vertx().setTimer(bodyTimeoutMs, id -> {
            if (!ctx.request().isEnded()) {
                LOG.debugf("Closing a connection whose request body took longer than %d ms", bodyTimeoutMs);
                ctx.request().connection().close();
            }
        });
        ctx.addEndHandler(done -> {
            ctx.vertx().cancelTimer(timer);
            if (ctx.get(CLAIMED_KEY) == null) {
                reservation.close();
            }
        });
        ctx.next();
    }

    /** What {@link OtlpDecoder} charges per decoded byte for the body's Content-Type. */
    static int decodeCostPerByte(String contentType) {
        return OtlpEncoding.fromContentType(contentType) == OtlpEncoding.JSON
                ? OtlpDecoder.JSON_COST_PER_BYTE : OtlpDecoder.PROTOBUF_COST_PER_BYTE;
    }

    private static boolean isOtlp(RoutingContext ctx) {
        return ErrorBodies.isOtlpPath(ctx.normalizedPath());
    }

    /** The announced length, -1 when absent (chunked) or not a number (Vert.x rejects that itself). */
    static long contentLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void refuse(RoutingContext ctx, OtlpException e) {
        if (!isOtlp(ctx)) {
            // The answer's format only: MLflow's error JSON for the REST API.
            ErrorBodies.endMlflow(ctx.response(), e.kind().failure(), e.getMessage());
            return;
        }
        ErrorBodies.endOtlp(ctx.response(), ctx.request().getHeader("Content-Type"), e.kind().failure(), e.getMessage());
    }
}
