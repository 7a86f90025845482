package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
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

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * With the database unreachable, OTLP answers retryable errors (HTTP 503 + Retry-After, gRPC
 * UNAVAILABLE) and stores nothing; once it is back, the exporter's own retry gets the batch in,
 * exactly once.
 */
@QuarkusTest
class DatabaseOutageTest {

    @Inject
    Pool pool;

    @GrpcClient("otlp")
    TraceServiceGrpc.TraceServiceBlockingStub stub;

    @Test
    void outageIsRetryableAndTheRetrySucceeds() throws Exception {
        String traceHex = Requests.randomTraceHex();
        RecordingExporter rec = new RecordingExporter();
        Span span = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty())).spanBuilder("during-outage").startSpan();
        span.end();
        String sdkTraceId = "tr-" + span.getSpanContext().getTraceId();
        OtlpHttpSpanExporter retrying = OtlpHttpSpanExporter.builder()
                .setEndpoint(Otel.otlpHttpEndpoint())
                .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(5)
                        .setInitialBackoff(Duration.ofMillis(500)).setMaxBackoff(Duration.ofSeconds(2))
                        .setBackoffMultiplier(1.5).build())
                .build();
        CompletableResultCode pending;
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
            pending = retrying.export(rec.spans());
            Thread.sleep(1200);
            assertThat(pending.isDone()).isFalse();
        }
        assertThat(pending.join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", sdkTraceId)).isEqualTo(1);
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", "tr-" + traceHex)).isZero();
        given().get("/q/health/ready").then().statusCode(200);
    }
}
