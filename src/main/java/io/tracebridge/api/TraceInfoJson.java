package io.tracebridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracebridge.model.MlflowException;
import io.tracebridge.model.TraceInfo;
import io.tracebridge.model.TraceState;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads a client-sent TraceInfoV3 (StartTraceV3, docs/mlflow-compatibility.md §4.2). */
public final class TraceInfoJson {
    static final Pattern TRACE_ID = Pattern.compile("tr-[0-9a-f]{32}");

    private TraceInfoJson() {
    }

    /** The trace info and the experiment ID of its location. */
    public record Parsed(TraceInfo info, long experimentId) {
    }

    /** @param nowMs the request time when the trace info has none */
    public static Parsed parse(JsonNode t, long nowMs) {
        if (!t.isObject()) {
            throw MlflowException.invalid("Missing value for required parameter 'trace.trace_info'.");
        }
        String traceId = Requests.required(Requests.text(t, "trace_id"), "trace_info.trace_id");
        if (!TRACE_ID.matcher(traceId).matches()) {
            throw MlflowException.invalid("Invalid trace_id '" + traceId + "': expected 'tr-' and 32 lowercase hex digits");
        }
        JsonNode loc = Requests.field(t, "trace_location");
        String type = Requests.text(loc, "type");
        if (type != null && !type.equals("MLFLOW_EXPERIMENT")) {
            throw MlflowException.invalid("Unsupported trace location type '" + type + "'. Only MLFLOW_EXPERIMENT is supported.");
        }
        long experimentId = Requests.experimentId(Requests.text(Requests.field(loc, "mlflow_experiment"), "experiment_id"));
        Long requestTime = AssessmentJson.time(Requests.field(t, "request_time"));
        long start = requestTime != null ? requestTime : nowMs;
        Long duration = duration(Requests.field(t, "execution_duration"));
        String state = Requests.text(t, "state");
        TraceInfo info = new TraceInfo(traceId, Requests.text(t, "client_request_id"), Long.toString(experimentId),
                start, duration, state == null ? TraceState.OK : TraceState.parse(state),
                Requests.text(t, "request_preview"), Requests.text(t, "response_preview"),
                stringMap(Requests.field(t, "trace_metadata")), stringMap(Requests.field(t, "tags")), List.of());
        return new Parsed(info, experimentId);
    }

    /** google.protobuf.Duration JSON ({@code "1.840s"}) or a number of ms; null when absent. */
    static Long duration(JsonNode d) {
        if (d.isNull() || d.isMissingNode()) {
            return null;
        }
        if (d.isNumber()) {
            return d.asLong();
        }
        String s = d.asText().trim();
        try {
            if (s.endsWith("s")) {
                return new BigDecimal(s.substring(0, s.length() - 1)).movePointRight(3).longValue();
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw MlflowException.invalid("Invalid execution_duration '" + s + "': expected e.g. \"1.840s\"");
    }

    private static Map<String, String> stringMap(JsonNode m) {
        Map<String, String> out = new LinkedHashMap<>();
        if (m.isObject()) {
            m.fields().forEachRemaining(e -> out.put(e.getKey(),
                    e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
        }
        return out;
    }
}
