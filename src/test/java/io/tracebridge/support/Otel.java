package io.tracebridge.support;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.restassured.RestAssured;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/** Real OpenTelemetry SDK pieces pointed at the Tracebridge under test. */
public final class Otel {
    private Otel() {
    }

    public static String otlpHttpEndpoint() {
        return "http://localhost:" + RestAssured.port + "/v1/traces";
    }

    /** A tracer whose finished spans land in {@code recorder}. */
    public static SdkTracerProvider recordingProvider(RecordingExporter recorder, Attributes resource) {
        return SdkTracerProvider.builder()
                .setResource(Resource.create(resource))
                .addSpanProcessor(SimpleSpanProcessor.create(recorder))
                .build();
    }

    public static Tracer tracer(SdkTracerProvider provider) {
        return provider.get("tracebridge-test");
    }

    public static String otlpGrpcEndpoint() {
        return "http://localhost:" + org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.grpc.server.test-port", Integer.class);
    }

    public static io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter grpcExporter(String experimentId,
                                                                                          String compression) {
        var b = io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter.builder()
                .setEndpoint(otlpGrpcEndpoint())
                .setTimeout(20, TimeUnit.SECONDS);
        if (experimentId != null) {
            b.addHeader("x-mlflow-experiment-id", experimentId);
        }
        if (compression != null) {
            b.setCompression(compression);
        }
        return b.build();
    }

    /** Sends one batch with any exporter and waits for the answer; true on success. */
    public static boolean send(io.opentelemetry.sdk.trace.export.SpanExporter exporter, Collection<SpanData> batch) {
        CompletableResultCode r = exporter.export(batch).join(30, TimeUnit.SECONDS);
        return r.isDone() && r.isSuccess();
    }

    public static OtlpHttpSpanExporter httpExporter(String experimentId, String compression) {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder()
                .setEndpoint(otlpHttpEndpoint())
                .setTimeout(20, TimeUnit.SECONDS);
        if (experimentId != null) {
            b.addHeader("x-mlflow-experiment-id", experimentId);
        }
        if (compression != null) {
            b.setCompression(compression);
        }
        return b.build();
    }

}
