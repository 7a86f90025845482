package io.tracebridge.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

import java.util.List;

/** The hand-written span JSON must be exactly what protobuf's own JSON parser reads back. */
class SpanJsonWriterTest {

    @Test
    void roundTripsThroughProtobufJsonParser() throws Exception {
        Span span = Span.newBuilder()
                .setTraceId(ByteString.fromHex("5b8efff798038103d269b633813fc60c"))
                .setSpanId(ByteString.fromHex("eee19b7ec3c1b174"))
                .setParentSpanId(ByteString.fromHex("eee19b7ec3c1b173"))
                .setTraceState("k=v")
                .setFlags(1)
                .setName("name \"quoted\" \u0000 ü")
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(1_700_000_000_123_456_789L)
                .setEndTimeUnixNano(-1L) // fixed64 above Long.MAX_VALUE
                .addAttributes(kv("s", AnyValue.newBuilder().setStringValue("\"json\"").build()))
                .addAttributes(kv("i", AnyValue.newBuilder().setIntValue(Long.MIN_VALUE).build()))
                .addAttributes(kv("d", AnyValue.newBuilder().setDoubleValue(0.25).build()))
                .addAttributes(kv("nan", AnyValue.newBuilder().setDoubleValue(Double.NaN).build()))
                .addAttributes(kv("b", AnyValue.newBuilder().setBoolValue(true).build()))
                .addAttributes(kv("bytes", AnyValue.newBuilder().setBytesValue(ByteString.copyFromUtf8("xyz")).build()))
                .addAttributes(kv("arr", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setStringValue("a"))
                        .addValues(AnyValue.newBuilder().setIntValue(2))).build()))
                .addAttributes(kv("map", AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                        .addValues(kv("nested", AnyValue.newBuilder().setBoolValue(false).build()))).build()))
                .addAttributes(kv("empty", AnyValue.getDefaultInstance()))
                .setDroppedAttributesCount(3)
                .addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(5)
                        .addAttributes(kv("exception.message", AnyValue.newBuilder().setStringValue("boom").build())))
                .addLinks(Span.Link.newBuilder().setTraceId(ByteString.fromHex("5b8efff798038103d269b633813fc60d"))
                        .setSpanId(ByteString.fromHex("eee19b7ec3c1b175")))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("failed"))
                .build();
        KeyValue extra = kv("mlflow.spanType", AnyValue.newBuilder().setStringValue("\"LLM\"").build());

        String json = SpanJsonWriter.write(span, List.of(extra));

        Span.Builder parsed = Span.newBuilder();
        JsonFormat.parser().merge(json, parsed);
        // NUL is replaced by U+FFFD (PostgreSQL text and jsonb cannot hold it); all else round-trips.
        Span expected = span.toBuilder().setName("name \"quoted\" \uFFFD ü").addAttributes(extra).build();
        assertThat(parsed.build()).isEqualTo(expected);
        assertThat(json).contains("\"span_id\":\"7uGbfsPBsXQ=\"").contains("\"kind\":\"SPAN_KIND_CLIENT\"")
                .contains("\"code\":\"STATUS_CODE_ERROR\"").contains("\"int_value\":\"-9223372036854775808\"");
    }

    @Test
    void defaultsAreOmitted() {
        Span span = Span.newBuilder().setTraceId(ByteString.fromHex("5b8efff798038103d269b633813fc60c"))
                .setSpanId(ByteString.fromHex("eee19b7ec3c1b174")).build();
        assertThat(SpanJsonWriter.write(span, List.of()))
                .isEqualTo("{\"trace_id\":\"W47/95gDgQPSabYzgT/GDA==\",\"span_id\":\"7uGbfsPBsXQ=\"}");
    }

    private static KeyValue kv(String k, AnyValue v) {
        return KeyValue.newBuilder().setKey(k).setValue(v).build();
    }
}
