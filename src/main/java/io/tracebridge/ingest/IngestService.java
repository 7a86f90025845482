package io.tracebridge.ingest;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.tracebridge.mapping.TraceAssembler;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.TraceStore;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The one ingest path behind both OTLP edges: resolve the experiment, decode and map on a worker
 * thread, write in one transaction. The returned {@code Uni} completes only after the commit.
 */
@ApplicationScoped
public class IngestService {
    private static final Logger LOG = Logger.getLogger(IngestService.class);

    private final ExperimentResolver experiments;
    private final TraceStore store;
    private final TraceAssembler assembler = new TraceAssembler();

    public IngestService(ExperimentResolver experiments, TraceStore store) {
        this.experiments = experiments;
        this.store = store;
    }

    /**
     * @param experimentHeader value of {@code x-mlflow-experiment-id}, or null
     * @param decode           produces the request; may throw {@link OtlpException}
     */
    public Uni<IngestResult> ingest(String experimentHeader, Supplier<ExportTraceServiceRequest> decode) {
        return experiments.resolve(experimentHeader)
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(experiment -> {
                    TraceAssembler.Result result = assembler.assemble(decode.get());
                    return store.write(experiment, result.drafts())
                            .replaceWith(() -> new IngestResult(result.spanCount(), result.rejectedCount(),
                                    rejectionMessage(result.rejected())));
                })
                .onFailure(t -> !(t instanceof OtlpException)).transform(IngestService::classify);
    }

    private static String rejectionMessage(Map<String, Integer> rejected) {
        if (rejected.isEmpty()) {
            return "";
        }
        return rejected.entrySet().stream()
                .map(e -> e.getValue() + " span(s) rejected: " + e.getKey())
                .collect(Collectors.joining("; "));
    }

    /**
     * Data errors reported by PostgreSQL (SQLSTATE classes 22 and 23) will fail again on retry,
     * so they are 400; every other storage failure is retryable (503) so the exporter keeps the
     * batch.
     */
    static OtlpException classify(Throwable t) {
        if (t instanceof MlflowException m) {
            return new OtlpException(OtlpException.Kind.BAD_REQUEST, m.getMessage());
        }
        if (t instanceof PgException pg && pg.getSqlState() != null
                && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"))) {
            LOG.warnf("OTLP batch rejected by the database: SQLSTATE %s %s", pg.getSqlState(), pg.getErrorMessage());
            return new OtlpException(OtlpException.Kind.BAD_REQUEST,
                    "The batch contains data the store cannot accept (SQLSTATE " + pg.getSqlState() + ")");
        }
        LOG.warnf("OTLP batch not stored, answering retryable: %s", t.toString());
        return new OtlpException(OtlpException.Kind.UNAVAILABLE,
                "Trace storage is temporarily unavailable; retry later");
    }
}
