package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.DatabaseOutage;
import io.tracebridge.support.Db;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.tracebridge.support.Requests;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * With the database unreachable, OTLP answers retryable errors (HTTP 503 + Retry-After, gRPC
 * UNAVAILABLE) and stores nothing; once it is back, the same batch sent again is stored, exactly
 * once. The test drives the resending itself, as a Collector's {@code retry_on_failure} or
 * {@code FaultToleranceIT} do: the real SDK exporters have their own retries turned off, so
 * nothing depends on their jittered backoff outlasting the outage (which failed about one run in
 * ten when this test relied on it).
 */
@QuarkusTest
class DatabaseOutageTest {

    @Inject
    Pool pool;

    @GrpcClient("otlp")
    TraceServiceGrpc.TraceServiceBlockingStub stub;

    @Test
    void outageIsRetryableAndTheResentBatchIsStoredOnce() throws Exception {
        String traceHex = Requests.randomTraceHex();
        RecordingExporter rec = new RecordingExporter();
        var tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span httpSpan = tracer.spanBuilder("during-outage-http").startSpan();
        httpSpan.end();
        Span grpcSpan = tracer.spanBuilder("during-outage-grpc").startSpan();
        grpcSpan.end();
        List<SpanData> httpBatch = List.of(rec.spans().get(0));
        List<SpanData> grpcBatch = List.of(rec.spans().get(1));
        String httpTraceId = "tr-" + httpSpan.getSpanContext().getTraceId();
        String grpcTraceId = "tr-" + grpcSpan.getSpanContext().getTraceId();
        OtlpHttpSpanExporter http = OtlpHttpSpanExporter.builder().setEndpoint(Otel.otlpHttpEndpoint())
                .setRetryPolicy(null).setTimeout(20, TimeUnit.SECONDS).build();
        OtlpGrpcSpanExporter grpc = OtlpGrpcSpanExporter.builder().setEndpoint(Otel.otlpGrpcEndpoint())
                .setRetryPolicy(null).setTimeout(20, TimeUnit.SECONDS).build();

        try (DatabaseOutage ignored = DatabaseOutage.begin()) {
            given().contentType("application/x-protobuf").body(Requests.protobuf(traceHex))
                    .post("/v1/traces").then().statusCode(503).header("Retry-After", equalTo("5"));
            assertThatThrownBy(() -> stub.export(ExportTraceServiceRequest.parseFrom(Requests.protobuf(traceHex))))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            given().get("/api/3.0/mlflow/traces/tr-" + traceHex).then().statusCode(503)
                    .body("error_code", equalTo("TEMPORARILY_UNAVAILABLE"));
            given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
            given().get("/q/health/live").then().statusCode(200);

            // The real exporters see the failure as retryable (OTLP: HTTP 503, gRPC UNAVAILABLE).
            CompletableResultCode httpFailed = http.export(httpBatch).join(30, TimeUnit.SECONDS);
            assertThat(httpFailed.isDone()).isTrue();
            assertThat(httpFailed.isSuccess()).isFalse();
            assertThat(httpFailed.getFailureThrowable())
                    .isInstanceOfSatisfying(FailedExportException.HttpExportException.class,
                            e -> assertThat(e.getResponse().statusCode()).isEqualTo(503));
            CompletableResultCode grpcFailed = grpc.export(grpcBatch).join(30, TimeUnit.SECONDS);
            assertThat(grpcFailed.isDone()).isTrue();
            assertThat(grpcFailed.isSuccess()).isFalse();
            assertThat(grpcFailed.getFailureThrowable())
                    .isInstanceOfSatisfying(FailedExportException.GrpcExportException.class,
                            e -> assertThat(e.getResponse().grpcStatusValue()).isEqualTo(Status.Code.UNAVAILABLE.value()));
        }

        // Nothing was stored during the outage.
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = ANY($1)",
                (Object) new String[] {httpTraceId, grpcTraceId})).isZero();
        // The database is back: the same batches, sent again, are acknowledged...
        assertThat(resendUntilAcknowledged(http, httpBatch)).isTrue();
        assertThat(resendUntilAcknowledged(grpc, grpcBatch)).isTrue();
        // ...and a further resend (an acknowledgement lost on the way) changes nothing.
        assertThat(Otel.send(http, httpBatch)).isTrue();
        assertThat(Otel.send(grpc, grpcBatch)).isTrue();
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", httpTraceId)).isEqualTo(1);
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", grpcTraceId)).isEqualTo(1);
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", "tr-" + traceHex)).isZero();
        given().get("/q/health/ready").then().statusCode(200);
        http.shutdown().join(10, TimeUnit.SECONDS);
        grpc.shutdown().join(10, TimeUnit.SECONDS);
    }

    /**
     * Resends as a Collector's queue does: the pool may need a moment to reconnect after the
     * outage, so a few retryable failures are allowed, 200 ms apart, for at most 20 s.
     */
    private static boolean resendUntilAcknowledged(io.opentelemetry.sdk.trace.export.SpanExporter exporter,
                                                   List<SpanData> batch) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Otel.send(exporter, batch)) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
