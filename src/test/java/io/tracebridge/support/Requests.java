package io.tracebridge.support;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.util.HexFormat;

/**
 * Hand-built OTLP requests for the cases a real SDK never sends (malformed IDs, odd encodings).
 * Everything a well-behaved exporter sends is tested with the real SDK instead.
 */
public final class Requests {
    private Requests() {
    }

    public static byte[] protobuf(String traceHex) {
        return request(Span.newBuilder()
                .setTraceId(ByteString.fromHex(traceHex))
                .setSpanId(ByteString.fromHex("00000000000000a1"))
                .setName("root")
                .setStartTimeUnixNano(1_700_000_000_000_000_000L)
                .setEndTimeUnixNano(1_700_000_001_000_000_000L)
                .build()).toByteArray();
    }

    public static ExportTraceServiceRequest request(Span... spans) {
        ScopeSpans.Builder ss = ScopeSpans.newBuilder();
        for (Span s : spans) {
            ss.addSpans(s);
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss))
                .build();
    }

    public static String randomTraceHex() {
        byte[] b = new byte[16];
        new java.security.SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
