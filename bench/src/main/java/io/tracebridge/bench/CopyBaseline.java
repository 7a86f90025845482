package io.tracebridge.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracebridge.mapping.SpanJsonWriter;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The physical limit for the ingest benchmark: the same rows the load generator's traffic
 * becomes (traces, spans with the same OTel JSON documents, six tags per trace) loaded with
 * {@code COPY} into copies of the same tables with the same indexes, in chunks of
 * {@code --chunk} spans per transaction. Tables live in schema {@code bench_copy}, dropped after.
 * The spans go into one table with the indexes of a day partition of {@code spans} (migration
 * V9): the partition today's ingest writes to.
 */
public final class CopyBaseline {
    private CopyBaseline() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = LoadGenerator.parseArgs(args);
        if (a.containsKey("help")) {
            System.out.println("CopyBaseline options: --spans=N (default 500000) --chunk=N (default 10000) "
                    + "--attribute-bytes=N (default 1024) --jdbc=URL --db-user=U --db-password=P");
            return;
        }
        int spans = Integer.parseInt(a.getOrDefault("spans", "500000"));
        int chunk = Integer.parseInt(a.getOrDefault("chunk", "10000"));
        int attributeBytes = Integer.parseInt(a.getOrDefault("attribute-bytes", "1024"));
        String jdbc = a.getOrDefault("jdbc", "jdbc:postgresql://127.0.0.1:5432/tracebridge");
        try (Connection conn = DriverManager.getConnection(jdbc, a.getOrDefault("db-user", "tracebridge"),
                a.getOrDefault("db-password", "tracebridge"))) {
            try (Statement s = conn.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE");
                s.execute("CREATE SCHEMA bench_copy");
                for (String t : List.of("traces", "spans", "trace_tags")) {
                    // LIKE of the partitioned spans gives a plain table with a partition's columns and indexes.
                    s.execute("CREATE TABLE bench_copy." + t + " (LIKE public." + t + " INCLUDING ALL)");
                }
            }
            conn.setAutoCommit(false);
            CopyManager copy = conn.unwrap(PGConnection.class).getCopyAPI();
            Rows rows = new Rows(attributeBytes);
            long start = System.nanoTime();
            int done = 0;
            while (done < spans) {
                rows.fill(Math.min(chunk, spans - done));
                copy.copyIn("COPY bench_copy.traces (trace_id, experiment_id, client_request_id, client_request_id_rank, "
                        + "session_id, session_rank, user_id, user_rank, request_time, end_time, state, has_root, span_part) "
                        + "FROM STDIN",
                        new StringReader(rows.traces.toString()));
                copy.copyIn("COPY bench_copy.spans (trace_id, span_id, parent_span_id, name, span_type, status, "
                        + "start_time_ns, end_time_ns, content, span_part) FROM STDIN", new StringReader(rows.spans.toString()));
                copy.copyIn("COPY bench_copy.trace_tags (trace_id, key, value, rank) FROM STDIN",
                        new StringReader(rows.tags.toString()));
                conn.commit();
                done += rows.spanCount;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "copy spans=%d chunk=%d seconds=%.1f spans_per_s=%.0f%n",
                    done, chunk, seconds, done / seconds);
            try (Statement s = conn.createStatement()) {
                s.execute("DROP SCHEMA bench_copy CASCADE");
            }
            conn.commit();
        }
    }

    /** COPY text-format rows for about {@code n} spans, in whole traces of 5–20 spans. */
    private static final class Rows {
        final StringBuilder traces = new StringBuilder();
        final StringBuilder spans = new StringBuilder();
        final StringBuilder tags = new StringBuilder();
        final SplittableRandom random = new SplittableRandom(42);
        final String text;
        final int half;
        int spanCount;

        Rows(int attributeBytes) {
            this.half = attributeBytes / 2;
            StringBuilder b = new StringBuilder();
            while (b.length() < attributeBytes * 4 + 64) {
                b.append("the quick assistant answered how to reset a password using the account settings page ");
            }
            this.text = b.toString();
        }

        void fill(int n) {
            traces.setLength(0);
            spans.setLength(0);
            tags.setLength(0);
            spanCount = 0;
            long now = System.currentTimeMillis();
            String day = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
            while (spanCount < n) {
                int size = 5 + random.nextInt(16);
                byte[] traceId = bytes(16);
                String id = "tr-" + HexFormat.of().formatHex(traceId);
                String rootId = HexFormat.of().formatHex(bytes(8));
                int user = random.nextInt(10_000);
                traces.append(id).append("\t0\treq-").append(id).append("\t2\tsession-").append(user * 3)
                        .append("\t2\tuser-").append(user).append("\t2\t").append(now).append('\t').append(now + 200)
                        .append("\tOK\tt\t").append(day).append('\n');
                for (String[] tag : new String[][] {{"environment", "bench"}, {"service.name", "bench-chatbot"},
                        {"deployment.environment", "bench"}, {"mlflow.traceName", "POST /chat"},
                        {"mlflow.artifactLocation", "mlflow-artifacts:/0/traces/" + id + "/artifacts"},
                        {"mlflow.trace.spansLocation", "TRACKING_STORE"}}) {
                    tags.append(id).append('\t').append(tag[0]).append('\t').append(tag[1]).append("\t2\n");
                }
                for (int i = 0; i < size; i++) {
                    boolean root = i == size - 1;
                    String spanId = root ? rootId : HexFormat.of().formatHex(bytes(8));
                    Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                            .setSpanId(ByteString.fromHex(spanId)).setName(root ? "POST /chat" : "step-" + i)
                            .setStartTimeUnixNano(now * 1_000_000L).setEndTimeUnixNano(now * 1_000_000L + 8_000_000L)
                            .addAttributes(kv("mlflow.spanType", "\"LLM\""))
                            .addAttributes(kv("mlflow.spanInputs", json("input")))
                            .addAttributes(kv("mlflow.spanOutputs", json("output")));
                    if (!root) {
                        s.setParentSpanId(ByteString.fromHex(rootId));
                    }
                    String content = SpanJsonWriter.write(s.build(), List.of(kv("mlflow.traceRequestId", "\"" + id + "\"")));
                    spans.append(id).append('\t').append(spanId).append('\t').append(root ? "\\N" : rootId).append('\t')
                            .append(root ? "POST /chat" : "step-" + i).append("\tLLM\tOK\t").append(now * 1_000_000L)
                            .append('\t').append(now * 1_000_000L + 8_000_000L).append('\t')
                            .append(content.replace("\\", "\\\\")).append('\t').append(day).append('\n');
                    spanCount++;
                }
            }
        }

        private String json(String key) {
            int len = Math.max(8, half - key.length() - 8);
            int from = random.nextInt(text.length() - len);
            return "{\"" + key + "\": \"" + text.substring(from, from + len) + "\"}";
        }

        private static KeyValue kv(String k, String v) {
            return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) random.nextInt(256);
            }
            b[0] |= 1;
            return b;
        }
    }
}
