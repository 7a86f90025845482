package io.tracebridge.mapping;

import io.tracebridge.support.Assemblers;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracebridge.model.TraceState;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Mapping rules of docs/mlflow-compatibility.md §3.4 and §8.2, without a database. */
class TraceAssemblerTest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    @Test
    void precedenceWithinOneRequest() {
        Span child = span("00000000000000a2", "00000000000000a1", "child",
                kv("session.id", "child-session"), kv("mlflow.trace.user", "child-user"),
                kv("mlflow.clientRequestId", "child-req"));
        Span root = span("00000000000000a1", null, "root",
                kv("gen_ai.conversation.id", "root-conv"), kv("user.id", "root-user"),
                kv("mlflow.trace.client_request_id", "\"root-req\""),
                kv("mlflow.traceTag.service.name", "from-root"), kv("mlflow.traceMetadata.environment", "staging"),
                kv("mlflow.source.type", "\"PROD\""));
        ExportTraceServiceRequest req = request(List.of(kv("service.name", "from-resource"),
                kv("telemetry.sdk.name", "opentelemetry"), kv("mlflow.internal", "x")), child, root);

        TraceAssembler.Result result = Assemblers.generous().assemble(req);

        assertThat(result.drafts()).hasSize(1);
        TraceDraft d = result.drafts().get(0);
        assertThat(d.traceId()).isEqualTo("tr-" + TRACE);
        // The root span beats a child even with a lower-precedence key; values are JSON-unwrapped.
        assertThat(d.value(TraceDraft.Field.SESSION)).isEqualTo("root-conv");
        assertThat(d.value(TraceDraft.Field.USER)).isEqualTo("root-user");
        assertThat(d.value(TraceDraft.Field.CLIENT_REQUEST_ID)).isEqualTo("root-req");
        assertThat(d.rank(TraceDraft.Field.SESSION)).isEqualTo(Rank.ROOT_SPAN);
        assertThat(d.tags().get("service.name").value()).isEqualTo("from-root");
        assertThat(d.tags()).doesNotContainKeys("telemetry.sdk.name", "mlflow.internal");
        assertThat(d.tags().get("mlflow.traceName").value()).isEqualTo("root");
        assertThat(d.metadata().get("environment").value()).isEqualTo("staging");
        assertThat(d.metadata().get("mlflow.source.type").value()).isEqualTo("PROD");
        assertThat(d.state()).isEqualTo(TraceState.OK);
    }

    @Test
    void precedenceAmongNonRootSpansAndExplicitTraceName() {
        Span a = span("00000000000000b2", "00000000000000b1", "a", kv("langfuse.session.id", "lf"));
        Span b = span("00000000000000b3", "00000000000000b1", "b", kv("session.id", "otel"));
        Span c = span("00000000000000b4", "00000000000000b1", "c", kv("mlflow.trace.session", "mlflow"));
        TraceDraft d = Assemblers.generous().assemble(request(List.of(), a, b, c)).drafts().get(0);
        assertThat(d.value(TraceDraft.Field.SESSION)).isEqualTo("mlflow");
        assertThat(d.rank(TraceDraft.Field.SESSION)).isEqualTo(Rank.OTHER_SPAN);
        assertThat(d.state()).isEqualTo(TraceState.IN_PROGRESS);
        assertThat(d.tags()).doesNotContainKey("mlflow.traceName");

        Span root = span("00000000000000b1", null, "span-name", kv("mlflow.traceTag.mlflow.traceName", "\"explicit\""));
        TraceDraft r = Assemblers.generous().assemble(request(List.of(), root)).drafts().get(0);
        assertThat(r.tags().get("mlflow.traceName").value()).isEqualTo("explicit");
    }

    @Test
    void previewsAreTruncatedTo1000Characters() {
        String big = "x".repeat(1500);
        Span root = span("00000000000000c1", null, "root", kv("mlflow.spanInputs", big));
        TraceDraft d = Assemblers.generous().assemble(request(List.of(), root)).drafts().get(0);
        assertThat(d.value(TraceDraft.Field.REQUEST_PREVIEW)).hasSize(1000).endsWith("...");
    }

    @Test
    void errorRootAndSpanTypes() {
        Span root = span("00000000000000d1", null, "root").toBuilder()
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)).build();
        Span llm = span("00000000000000d2", "00000000000000d1", "llm", kv("gen_ai.operation.name", "chat"));
        Span typed = span("00000000000000d3", "00000000000000d1", "t", kv("mlflow.spanType", "\"RETRIEVER\""),
                kv("gen_ai.operation.name", "chat"));
        TraceDraft d = Assemblers.generous().assemble(request(List.of(), root, llm, typed)).drafts().get(0);
        assertThat(d.state()).isEqualTo(TraceState.ERROR);
        assertThat(d.spans()).extracting(SpanRecord::spanType).containsExactly("UNKNOWN", "CHAT_MODEL", "RETRIEVER");
        assertThat(d.spans()).extracting(SpanRecord::status).containsExactly("ERROR", "UNSET", "UNSET");
        // A derived type is written into the stored span the way the MLflow SDK writes it.
        assertThat(d.spans().stream().filter(s -> s.name().equals("llm")).findFirst().orElseThrow().content())
                .contains("{\"key\":\"mlflow.spanType\",\"value\":{\"string_value\":\"\\\"CHAT_MODEL\\\"\"}}");
    }

    @Test
    void overlongIdentifiersAreIgnored() {
        Span root = span("00000000000000e1", null, "root", kv("session.id", "s".repeat(300)));
        TraceDraft d = Assemblers.generous().assemble(request(List.of(), root)).drafts().get(0);
        assertThat(d.value(TraceDraft.Field.SESSION)).isNull();
    }

    /**
     * NUL and unpaired surrogates (high alone, low alone, high at the end) become U+FFFD in the
     * span, its stored JSON and what the trace derives from it; a valid pair stays. Each string
     * that needed it counts once; a resource only counts with an accepted span.
     */
    @Test
    void unstorableTextIsReplacedAndCounted() {
        Span root = span("00000000000000f1", null, "a\u0000b\udc00c",
                kv("mlflow.traceTag.t\ud800", "v\ud83d\ude00"), kv("mlflow.traceMetadata.m", "end\ud83d"),
                kv("ok", "\ud83d\ude00"));
        TraceAssembler.Result result = Assemblers.generous().assemble(request(List.of(kv("service.name", "s\u0000")), root));
        assertThat(result.replacedTexts()).isEqualTo(4);
        TraceDraft d = result.drafts().get(0);
        SpanRecord r = d.spans().iterator().next();
        assertThat(r.name()).isEqualTo("a\uFFFDb\uFFFDc");
        assertThat(d.tags()).containsKey("t\uFFFD");
        assertThat(d.tags().get("t\uFFFD").value()).isEqualTo("v\ud83d\ude00");
        assertThat(d.metadata().get("m").value()).isEqualTo("end\uFFFD");
        assertThat(r.content()).contains("a\uFFFDb\uFFFDc").contains("\ud83d\ude00").doesNotContain("\u0000");
        for (int i = 0; i < r.content().length(); i++) {
            char c = r.content().charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertThat(Character.isLowSurrogate(r.content().charAt(++i))).as("pair at %d", i).isTrue();
            } else {
                assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d", i).isFalse();
            }
        }

        Span badId = Span.newBuilder().setTraceId(ByteString.fromHex(TRACE)).setName("x\u0000").build();
        assertThat(Assemblers.generous().assemble(request(List.of(kv("service.name", "s\u0000")), badId))
                .replacedTexts()).isZero();
    }

    /**
     * A resource's attributes become tags of every trace of its spans: 2,000 attributes over
     * 2,000 one-span traces would be 4 M tag rows from a 300 KB request. Resources add at most
     * MAX_TAGS_PER_REQUEST tags per request; the rest are dropped and counted.
     */
    @Test
    void resourceTagsAreBoundedPerRequest() {
        List<KeyValue> resource = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            resource.add(kv("attr." + i, "v"));
        }
        Span[] spans = new Span[2_000];
        for (int t = 0; t < spans.length; t++) {
            spans[t] = span("00000000000000a1", null, "root").toBuilder()
                    .setTraceId(ByteString.fromHex(String.format("%032x", t + 1))).build();
        }
        TraceAssembler.Result result = Assemblers.limited(20_000, 10_000).assemble(request(resource, spans));
        assertThat(result.spanCount()).isEqualTo(2_000);
        long tags = result.drafts().stream().mapToLong(d -> d.tags().keySet().stream().filter(k -> k.startsWith("attr.")).count()).sum();
        assertThat(tags).isEqualTo(ResourceTagConvention.MAX_TAGS_PER_REQUEST);
        assertThat(result.droppedResourceTags()).isEqualTo(2_000 * 2_000 - ResourceTagConvention.MAX_TAGS_PER_REQUEST);
        // A normal request is untouched.
        TraceAssembler.Result small = Assemblers.generous().assemble(request(List.of(kv("service.name", "app")), span("00000000000000a1", null, "r")));
        assertThat(small.droppedResourceTags()).isZero();
        assertThat(small.drafts().get(0).tags()).containsKey("service.name");
    }

    static ExportTraceServiceRequest request(List<KeyValue> resource, Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAllAttributes(resource))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build();
    }

    static Span span(String id, String parent, String name, KeyValue... attrs) {
        Span.Builder b = Span.newBuilder().setTraceId(ByteString.fromHex(TRACE)).setSpanId(ByteString.fromHex(id))
                .setName(name).setStartTimeUnixNano(1_000_000_000L).setEndTimeUnixNano(2_000_000_000L)
                .addAllAttributes(List.of(attrs));
        if (parent != null) {
            b.setParentSpanId(ByteString.fromHex(parent));
        }
        return b.build();
    }

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }
}
