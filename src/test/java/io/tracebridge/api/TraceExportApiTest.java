package io.tracebridge.api;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.tracebridge.support.Experiments;
import io.tracebridge.support.Otel;
import io.tracebridge.support.RecordingExporter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** {@code GET /api/tracebridge/v1/traces/export}: the filtered search, every page, as JSON Lines or CSV. */
@QuarkusTest
class TraceExportApiTest {
    private static final String EXPORT = "/api/tracebridge/v1/traces/export";

    @Test
    void exportsEveryPageOfTheFilteredSearchAsJsonLinesAndCsv() {
        String exp = Experiments.create("export");
        long t0 = System.currentTimeMillis() - 600_000;
        List<String> alice = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            alice.add(send(exp, t0 + i * 1000, "alice", i == 2 ? "=HYPERLINK(\"http://evil\")" : "question, \"" + i + "\""));
        }
        send(exp, t0 + 10_000, "bob", "other");
        String filter = "metadata.`mlflow.trace.user` = 'alice'";

        // JSON Lines, newest first by default, in pages of 2: all five, each an MLflow TraceInfo.
        Response jsonl = given().queryParam("experiment_id", exp).queryParam("filter", filter).queryParam("page_size", 2)
                .get(EXPORT);
        jsonl.then().statusCode(200).header("Content-Type", containsString("application/x-ndjson"))
                .header("Content-Disposition", equalTo("attachment; filename=\"traces-" + exp + ".jsonl\""));
        List<String> lines = Arrays.stream(jsonl.asString().split("\n")).filter(l -> !l.isBlank()).toList();
        List<String> ids = lines.stream().map(l -> io.restassured.path.json.JsonPath.from(l).getString("trace_id")).toList();
        List<String> newestFirst = new ArrayList<>(alice);
        java.util.Collections.reverse(newestFirst);
        assertThat(ids).containsExactlyElementsOf(newestFirst);
        assertThat(io.restassured.path.json.JsonPath.from(lines.get(0)).getString("trace_metadata.'mlflow.trace.user'"))
                .isEqualTo("alice");

        // CSV, oldest first: header, five rows, quoting and formula neutralised.
        String csv = given().queryParam("experiment_id", exp).queryParam("filter", filter)
                .queryParam("order_by", "timestamp_ms ASC").queryParam("format", "csv").get(EXPORT)
                .then().statusCode(200).header("Content-Type", containsString("text/csv")).extract().asString();
        List<String> rows = Arrays.stream(csv.split("\r\n")).toList();
        assertThat(rows).hasSize(6);
        assertThat(rows.get(0)).isEqualTo(String.join(",", TraceExportResource.CSV_COLUMNS));
        assertThat(rows.get(1)).startsWith(alice.get(0) + "," + exp + ",");
        assertThat(rows.get(1)).contains(",alice,").contains("\"question, \"\"0\"\"\"");
        assertThat(rows.get(3)).contains(",\"'=HYPERLINK(\"\"http://evil\"\")\",").doesNotContain(",\"=HYPERLINK");
    }

    @Test
    void badRequestsGetMlflowErrorsBeforeAnyByte() {
        String exp = Experiments.create("export-bad");
        given().queryParam("experiment_id", exp).queryParam("filter", "nonsense = 1").get(EXPORT).then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        given().queryParam("experiment_id", exp).queryParam("format", "xlsx").get(EXPORT).then().statusCode(400)
                .body("message", containsString("jsonl, csv"));
        given().queryParam("experiment_id", exp).queryParam("page_size", 0).get(EXPORT).then().statusCode(400)
                .body("message", containsString("page_size"));
        given().get(EXPORT).then().statusCode(400).body("message", containsString("experiment_id"));
        given().queryParam("experiment_id", "x/../1").get(EXPORT).then().statusCode(400);
        given().queryParam("experiment_id", exp).get(EXPORT).then().statusCode(200).body(equalTo(""));
        // A filter only the database can refuse (a bad regular expression) fails the first page:
        // for CSV too an error response, not a header line and a cut stream.
        for (String format : new String[] {"jsonl", "csv"}) {
            given().queryParam("experiment_id", exp).queryParam("format", format)
                    .queryParam("filter", "trace.name RLIKE '(unclosed'").get(EXPORT).then().statusCode(400)
                    .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                    .body("message", containsString("Invalid filter value"));
        }
        // An empty CSV export is its header.
        given().queryParam("experiment_id", exp).queryParam("format", "csv").get(EXPORT).then().statusCode(200)
                .body(startsWith("trace_id,"));
        // An oversized filter is refused (the parser's limit, or the HTTP request-line limit), never a 500.
        int huge = given().queryParam("experiment_id", exp)
                .queryParam("filter", "trace.name = '" + "x".repeat(30_000) + "'").get(EXPORT).statusCode();
        assertThat(huge).isIn(400, 414);
    }

    /** A root span with the user and the request preview's input, started at {@code startMs}. */
    private static String send(String experimentId, long startMs, String user, String input) {
        RecordingExporter rec = new RecordingExporter();
        Tracer tracer = Otel.tracer(Otel.recordingProvider(rec, Attributes.empty()));
        Span root = tracer.spanBuilder("chat").setStartTimestamp(startMs, TimeUnit.MILLISECONDS).startSpan();
        root.setAttribute("mlflow.trace.user", user);
        root.setAttribute("mlflow.spanInputs", input);
        root.end(startMs + 50, TimeUnit.MILLISECONDS);
        assertThat(Otel.send(Otel.httpExporter(experimentId, null), rec.spans())).isTrue();
        return "tr-" + root.getSpanContext().getTraceId();
    }
}
