package io.tracebridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/JSON numbers: hostile ones (huge exponents, thousands of digits) are refused at once with
 * a message naming the field; the numbers real exporters write still parse. The timeout runs the
 * parse on its own thread, so an expanding number fails the test instead of hanging it.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OtlpJsonTest {

    static String span(String fields) {
        return "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
                + "\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"n\"," + fields + "}]}]}]}";
    }

    static String attribute(String value) {
        return span("\"attributes\":[{\"key\":\"k\",\"value\":{" + value + "}}]");
    }

    private static ExportTraceServiceRequest parse(String json) {
        return OtlpJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void refused(String json, String... messageParts) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(OtlpException.class, e -> {
            assertThat(e.kind()).isEqualTo(OtlpException.Kind.BAD_REQUEST);
            assertThat(e.getMessage()).startsWith("Invalid OTLP JSON body: ").contains(messageParts);
        });
    }

    @Test
    void hugeExponentInAnIntegerFieldIsRefusedNamingTheField() {
        refused(span("\"startTimeUnixNano\":\"1e100000000\""), "startTimeUnixNano", "'1e100000000'", "exponent");
        refused(span("\"endTimeUnixNano\":1e100000000"), "endTimeUnixNano", "exponent");
        refused(span("\"start_time_unix_nano\":\"1e-100000000\""), "start_time_unix_nano");
        refused(span("\"droppedAttributesCount\":\"1e100000000\""), "droppedAttributesCount");
        refused(span("\"flags\":-1e100000000"), "flags");
        refused(span("\"kind\":\"1e100000000\""), "kind");
        refused(attribute("\"intValue\":\"1e100000000\""), "intValue");
        refused(span("\"events\":[{\"timeUnixNano\":\"1e100000000\"}]"), "timeUnixNano");
        refused(span("\"status\":{\"code\":1e100000000}"), "code");
    }

    @Test
    void longNumbersAreRefusedNamingTheField() {
        String digits = "9".repeat(10_000);
        refused(span("\"startTimeUnixNano\":" + digits), "startTimeUnixNano", "size limit");
        refused(span("\"startTimeUnixNano\":\"" + digits + "\""), "startTimeUnixNano", "longer than 32 characters");
        refused(attribute("\"intValue\":\"" + "1".repeat(33) + "\""), "intValue", "longer than 32 characters");
        refused(attribute("\"doubleValue\":" + digits), "doubleValue", "size limit");
        refused(attribute("\"doubleValue\":\"0." + digits + "\""), "doubleValue", "longer than 64 characters");
    }

    @Test
    void doublesOutOfRangeAreRefused() {
        refused(attribute("\"doubleValue\":\"1e100000000\""), "doubleValue", "out of range");
        refused(attribute("\"doubleValue\":1e999999"), "doubleValue", "out of range");
        refused(attribute("\"doubleValue\":\"abc\""), "doubleValue", "not a number");
    }

    @Test
    void fractionsAndExponentsInIntegerFieldsAreRefused() {
        refused(span("\"startTimeUnixNano\":1.5"), "startTimeUnixNano");
        refused(span("\"startTimeUnixNano\":\"1e3\""), "startTimeUnixNano");
    }

    @Test
    void numbersAsExportersWriteThemParse() {
        Span s = parse(span("\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":1700000001000000000,"
                + "\"kind\":2,\"droppedAttributesCount\":\"3\",\"flags\":257,"
                + "\"status\":{\"code\":\"STATUS_CODE_ERROR\"},"
                + "\"attributes\":[{\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}},"
                + "{\"key\":\"j\",\"value\":{\"intValue\":9223372036854775807}},"
                + "{\"key\":\"d\",\"value\":{\"doubleValue\":1.5e300}},"
                + "{\"key\":\"e\",\"value\":{\"doubleValue\":\"NaN\"}},"
                + "{\"key\":\"f\",\"value\":{\"doubleValue\":\"-2.5e-3\"}},"
                + "{\"key\":\"s\",\"value\":{\"stringValue\":\"1e100000000\"}}]"))
                .getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(s.getStartTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(s.getEndTimeUnixNano()).isEqualTo(1_700_000_001_000_000_000L);
        assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(s.getDroppedAttributesCount()).isEqualTo(3);
        assertThat(s.getFlags()).isEqualTo(257);
        assertThat(s.getAttributesCount()).isEqualTo(6);
        assertThat(s.getAttributes(0).getValue().getIntValue()).isEqualTo(-42);
        assertThat(s.getAttributes(1).getValue().getIntValue()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.getAttributes(2).getValue().getDoubleValue()).isEqualTo(1.5e300);
        assertThat(s.getAttributes(3).getValue().getDoubleValue()).isNaN();
        assertThat(s.getAttributes(4).getValue().getDoubleValue()).isEqualTo(-2.5e-3);
        // A number-looking string in a string field is text: no number check applies.
        assertThat(s.getAttributes(5).getValue().getStringValue()).isEqualTo("1e100000000");
        // The largest uint64, as a string of 20 digits.
        assertThat(parse(span("\"startTimeUnixNano\":\"18446744073709551615\"")).getResourceSpans(0)
                .getScopeSpans(0).getSpans(0).getStartTimeUnixNano()).isEqualTo(-1L);
    }
}
