package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.tracebridge.support.Db;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import io.tracebridge.support.Requests;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** OTLP/gRPC end to end with the real OTel SDK exporter, and the protocol's edge cases. */
@QuarkusTest
class OtlpGrpcIngestTest {

    @Inject
    Pool pool;

    @GrpcClient("otlp")
    TraceServiceGrpc.TraceServiceBlockingStub stub;

    @Test
    void sdkGrpcExporterWithAndWithoutGzip() {
        for (String compression : new String[] {null, "gzip"}) {
            String exp = Experiments.create("grpc");
            RecordingExporter rec = new RecordingExporter();
            Tracer tracer = Otel.tracer(Otel.recordingProvider(rec,
                    Attributes.of(AttributeKey.stringKey("service.name"), "grpc-app")));
            Span root = tracer.spanBuilder("grpc-root").startSpan();
            root.setAttribute("mlflow.trace.session", "grpc-session");
            root.setAttribute("mlflow.clientRequestId", "grpc-req-" + compression);
            try (Scope ignored = root.makeCurrent()) {
                tracer.spanBuilder("grpc-child").startSpan().end();
            }
            root.end();
            assertThat(Otel.send(Otel.grpcExporter(exp, compression), rec.spans())).isTrue();
            String traceId = "tr-" + root.getSpanContext().getTraceId();
            given().get("/api/3.0/mlflow/traces/get?trace_id=" + traceId).then().statusCode(200)
                    .body("trace.trace_info.trace_location.mlflow_experiment.experiment_id", equalTo(exp))
                    .body("trace.trace_info.client_request_id", equalTo("grpc-req-" + compression))
                    .body("trace.trace_info.trace_metadata.'mlflow.trace.session'", equalTo("grpc-session"))
                    .body("trace.trace_info.tags.'service.name'", equalTo("grpc-app"))
                    .body("trace.spans.size()", equalTo(2));
        }
    }

    @Test
    void partialSuccessForInvalidSpans() {
        String traceHex = Requests.randomTraceHex();
        io.opentelemetry.proto.trace.v1.Span good = io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(ByteString.fromHex(traceHex)).setSpanId(ByteString.fromHex("00000000000000f1"))
                .setName("good").setStartTimeUnixNano(1_700_000_000_000_000_000L).build();
        var badParent = good.toBuilder().setSpanId(ByteString.fromHex("00000000000000f2"))
                .setParentSpanId(ByteString.fromHex("01")).build();
        ExportTraceServiceResponse response = stub.export(Requests.request(good, badParent));
        assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
        assertThat(response.getPartialSuccess().getErrorMessage()).contains("invalid parent_span_id");
        assertThat(Db.count(pool, "SELECT count(*) FROM spans WHERE trace_id = $1", "tr-" + traceHex)).isEqualTo(1);
    }

    @Test
    void unknownExperimentIsNotFound() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-mlflow-experiment-id", Metadata.ASCII_STRING_MARSHALLER), "987654321");
        var withHeader = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        String traceHex = Requests.randomTraceHex();
        assertThatThrownBy(() -> withHeader.export(ExportTraceServiceRequest.parseFrom(Requests.protobuf(traceHex))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("987654321");
                });
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", "tr-" + traceHex)).isZero();
    }

    /** The test profile limits messages to 4 MiB; a larger one is RESOURCE_EXHAUSTED, not stored. */
    @Test
    void oversizedMessageIsResourceExhausted() {
        String traceHex = Requests.randomTraceHex();
        var span = io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(ByteString.fromHex(traceHex)).setSpanId(ByteString.fromHex("00000000000000f3"))
                .setName("huge").addAttributes(KeyValue.newBuilder().setKey("blob")
                        .setValue(AnyValue.newBuilder().setStringValue("x".repeat(5 * 1024 * 1024)))).build();
        assertThatThrownBy(() -> stub.export(Requests.request(span)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(Db.count(pool, "SELECT count(*) FROM traces WHERE trace_id = $1", "tr-" + traceHex)).isZero();
    }
}
