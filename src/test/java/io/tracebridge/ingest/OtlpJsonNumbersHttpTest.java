package io.tracebridge.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.tracebridge.support.Requests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

/**
 * Issue 14, point 0: one 200-byte OTLP/JSON body with a number such as {@code "1e100000000"} used
 * to keep a worker thread busy for minutes (protobuf's JSON parser expanded it). Each such body
 * now gets a prompt 400 with an OTLP {@code google.rpc.Status} (INVALID_ARGUMENT) naming the
 * field. The timeout runs the test on its own thread, so a hang fails it instead of stalling.
 */
@QuarkusTest
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OtlpJsonNumbersHttpTest {
    /** Far above a prompt answer here (milliseconds), far below the minutes of the bug. */
    private static final long PROMPT_MILLIS = 3_000;

    private static String body(String traceHex, String spanFields) {
        return "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + traceHex
                + "\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"x\"," + spanFields + "}]}]}]}";
    }

    private static void promptlyRefused(String spanFields, String field) {
        String body = body(Requests.randomTraceHex(), spanFields);
        long start = System.nanoTime();
        Response r = given().contentType("application/json").body(body).post("/v1/traces");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        r.then().statusCode(400).contentType(containsString("application/json"))
                .body("code", equalTo(3))
                .body("message", containsString("Invalid OTLP JSON body: " + field));
        assertThat(millis).as("answer time for %s", spanFields).isLessThan(PROMPT_MILLIS);
    }

    /** The first request of a fresh application takes seconds (class loading, JIT); not the one timed. */
    @BeforeEach
    void warmUp() {
        given().contentType("application/json").body(body(Requests.randomTraceHex(), "\"startTimeUnixNano\":\"1\""))
                .post("/v1/traces").then().statusCode(200);
    }

    @Test
    void theTwoHundredByteBodyIsAnsweredAtOnce() {
        String body = body(Requests.randomTraceHex(), "\"startTimeUnixNano\":\"1e100000000\"");
        assertThat(body.length()).isLessThan(200);
        promptlyRefused("\"startTimeUnixNano\":\"1e100000000\"", "startTimeUnixNano");
    }

    @Test
    void hugeNumbersInAnyNumericFieldArePromptly400() {
        promptlyRefused("\"endTimeUnixNano\":1e100000000", "endTimeUnixNano");
        promptlyRefused("\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"1e100000000\"}}]", "intValue");
        promptlyRefused("\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"1e100000000\"}}]", "doubleValue");
        promptlyRefused("\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":1e999999}}]", "doubleValue");
        promptlyRefused("\"droppedAttributesCount\":\"1e100000000\"", "droppedAttributesCount");
        promptlyRefused("\"startTimeUnixNano\":" + "7".repeat(10_000), "startTimeUnixNano");
        promptlyRefused("\"startTimeUnixNano\":\"" + "7".repeat(10_000) + "\"", "startTimeUnixNano");
    }

    @Test
    void ordinaryNumbersAreStillAccepted() {
        String traceHex = Requests.randomTraceHex();
        given().contentType("application/json")
                .body(body(traceHex, "\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":1700000001000000000,"
                        + "\"attributes\":[{\"key\":\"n\",\"value\":{\"doubleValue\":1.5}},"
                        + "{\"key\":\"s\",\"value\":{\"stringValue\":\"1e100000000\"}}]"))
                .post("/v1/traces").then().statusCode(200);
        given().get("/api/3.0/mlflow/traces/get?trace_id=tr-" + traceHex).then().statusCode(200)
                .body(containsString("1e100000000"));
    }
}
