package io.tracebridge.api;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.MlflowException;
import io.tracebridge.model.SharedJson;
import io.tracebridge.model.TraceInfo;
import io.tracebridge.model.TraceMetadataKeys;
import io.tracebridge.model.TraceTagKeys;
import io.tracebridge.search.TraceQuery;
import io.tracebridge.search.TraceSearch;
import io.tracebridge.security.Access;
import io.tracebridge.security.ApiToken;
import io.tracebridge.security.Roles;
import io.tracebridge.store.TraceStore;
import io.tracebridge.store.TraceStore.SearchPage;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Export of a trace search (docs/analytics-api.md): the same filter and order as
 * SearchTracesV3, streamed as JSON Lines (one MLflow TraceInfo per line) or CSV. The search runs
 * page after page with its keyset token, each page fetched only when the client has taken the
 * previous one, so an export of any size holds one page in memory. The filter and order are
 * validated before the first byte, so a bad one gets the usual 400; a failure later can only cut
 * the stream.
 */
@Tag(name = "Traces")
@Path("/api/tracebridge/v1/traces/export")
public class TraceExportResource {
    static final String JSON_LINES = "application/x-ndjson";
    static final String CSV = "text/csv";
    private static final int MAX_PAGE = TraceSearch.MAX_RESULTS;
    static final List<String> CSV_COLUMNS = List.of("trace_id", "experiment_id", "request_time", "execution_duration_ms",
            "state", "trace_name", "client_request_id", "session_id", "user_id", "request_preview", "response_preview",
            "tags", "metadata");

    private final TraceStore traces;
    private final Access access;

    public TraceExportResource(TraceStore traces, Access access) {
        this.traces = traces;
        this.access = access;
    }

    @Operation(summary = "A trace search (filter, order_by as in SearchTracesV3) streamed as JSON Lines or CSV, all pages")
    @RolesAllowed(Roles.READ)
    @GET
    @Produces(jakarta.ws.rs.core.MediaType.APPLICATION_OCTET_STREAM) // the real type is set per format below
    public RestMulti<Buffer> export(@QueryParam("experiment_id") List<String> experimentIds,
                                    @QueryParam("filter") String filter, @QueryParam("order_by") List<String> orderBy,
                                    @QueryParam("format") String format, @QueryParam("page_size") String pageSize) {
        boolean csv = switch (format == null || format.isBlank() ? "jsonl" : format.trim().toLowerCase(Locale.ROOT)) {
            case "jsonl", "ndjson" -> false;
            case "csv" -> true;
            default -> throw MlflowException.invalid("Invalid format '" + format + "'. Valid values are jsonl, csv");
        };
        if (experimentIds == null || experimentIds.isEmpty()) {
            throw MlflowException.invalid("Missing value for required parameter 'experiment_id'.");
        }
        List<Long> ids = new ArrayList<>();
        ApiToken caller = access.caller();
        for (String id : experimentIds) {
            long exp = Requests.experimentId(id);
            caller.requireExperiment(exp);
            ids.add(exp);
        }
        List<Long> experiments = ids.stream().distinct().toList();
        Integer size = Requests.integer(pageSize, "page_size");
        if (size != null && (size < 1 || size > MAX_PAGE)) {
            throw MlflowException.invalid("Invalid value " + size + " for parameter 'page_size': expected 1 to " + MAX_PAGE);
        }
        int page = size == null ? MAX_PAGE : size;
        // Validates the filter, the order and the experiments now, while an error can still be a 400.
        TraceSearch.compile(experiments, filter, orderBy, page, null);
        Pages pages = new Pages(experiments, filter, orderBy, page, csv);
        // The CSV header goes out with the first page, so that a first page refused or failed is
        // still an error response rather than a header and a cut stream.
        Multi<Buffer> body = Multi.createBy().repeating().uni(() -> pages, Pages::next).until(Pages::isEnd);
        String name = "traces-" + experiments.get(0) + (csv ? ".csv" : ".jsonl");
        return RestMulti.fromMultiData(body)
                .header("Content-Type", csv ? CSV + "; charset=utf-8" : JSON_LINES)
                .header("Content-Disposition", "attachment; filename=\"" + name + "\"")
                .header("Cache-Control", "no-store")
                .build();
    }

    /** The keyset walk over the search's pages; one page per request from the client. */
    private final class Pages {
        private static final Buffer END = Buffer.buffer();
        private final List<Long> experiments;
        private final String filter;
        private final List<String> orderBy;
        private final int size;
        private final boolean csv;
        private String token;
        private boolean finished;
        private boolean headerSent;

        Pages(List<Long> experiments, String filter, List<String> orderBy, int size, boolean csv) {
            this.experiments = experiments;
            this.filter = filter;
            this.orderBy = orderBy;
            this.size = size;
            this.csv = csv;
        }

        static boolean isEnd(Buffer b) {
            return b == END;
        }

        Uni<Buffer> next() {
            if (finished) {
                return Uni.createFrom().item(END);
            }
            TraceQuery query = TraceSearch.compile(experiments, filter, orderBy, size, token);
            // The first page answers like a search (a refusal is still a clean 503); once bytes
            // have gone out, a page waits for the search budget rather than cut the download.
            Uni<SearchPage> page = token == null ? traces.search(query) : traces.exportPage(query);
            return page.map(p -> {
                if (p.nextAfter() == null) {
                    finished = true;
                } else {
                    token = query.pageToken(p.nextAfter());
                }
                StringBuilder out = new StringBuilder();
                if (csv && !headerSent) {
                    out.append(csvRow(CSV_COLUMNS));
                    headerSent = true;
                }
                for (TraceInfo t : p.traces()) {
                    out.append(csv ? csvRow(csvCells(t)) : Json.traceInfo(t).toString() + "\n");
                }
                return Buffer.buffer(out.toString());
            });
        }
    }

    static List<String> csvCells(TraceInfo t) {
        Map<String, String> meta = t.metadata();
        return java.util.Arrays.asList(t.traceId(), t.experimentId(), Instant.ofEpochMilli(t.requestTimeMs()).toString(),
                t.executionDurationMs() == null ? "" : t.executionDurationMs().toString(), t.state().name(),
                t.tags().get(TraceTagKeys.TRACE_NAME), t.clientRequestId(), meta.get(TraceMetadataKeys.TRACE_SESSION),
                meta.get(TraceMetadataKeys.TRACE_USER), t.requestPreview(), t.responsePreview(), json(t.tags()),
                json(meta));
    }

    private static String json(Map<String, String> m) {
        try {
            return SharedJson.MAPPER.writeValueAsString(new java.util.TreeMap<>(m));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One CSV record (RFC 4180): fields with a comma, quote or line break are quoted, quotes
     * doubled. A field that a spreadsheet would run as a formula ({@code = + - @}, tab, carriage
     * return first) gets a leading apostrophe (OWASP's CSV injection advice): trace data comes
     * from whoever sends spans.
     */
    static String csvRow(List<String> cells) {
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                row.append(',');
            }
            String c = cells.get(i) == null ? "" : cells.get(i);
            if (!c.isEmpty() && "=+-@\t\r".indexOf(c.charAt(0)) >= 0) {
                c = "'" + c;
            }
            if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
                c = '"' + c.replace("\"", "\"\"") + '"';
            }
            row.append(c);
        }
        return row.append("\r\n").toString();
    }
}
