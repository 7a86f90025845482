package io.tracebridge.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.tracebridge.model.Assessment;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.TraceInfo;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Wire JSON for MLflow messages (docs/mlflow-compatibility.md §1.1): snake_case, enums by name, proto time formats. */
public final class Json {
    static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ObjectNode experiment(Experiment e) {
        ObjectNode n = object();
        n.put("experiment_id", e.experimentId());
        n.put("name", e.name());
        n.put("artifact_location", e.artifactLocation());
        n.put("lifecycle_stage", e.lifecycleStage());
        n.put("last_update_time", e.lastUpdateTime());
        n.put("creation_time", e.creationTime());
        ArrayNode tags = n.putArray("tags");
        e.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
        return n;
    }

    public static ObjectNode traceInfo(TraceInfo t) {
        ObjectNode n = object();
        n.put("trace_id", t.traceId());
        if (t.clientRequestId() != null) {
            n.put("client_request_id", t.clientRequestId());
        }
        ObjectNode loc = n.putObject("trace_location");
        loc.put("type", "MLFLOW_EXPERIMENT");
        loc.putObject("mlflow_experiment").put("experiment_id", t.experimentId());
        if (t.requestPreview() != null) {
            n.put("request_preview", t.requestPreview());
        }
        if (t.responsePreview() != null) {
            n.put("response_preview", t.responsePreview());
        }
        n.put("request_time", timestamp(t.requestTimeMs()));
        if (t.executionDurationMs() != null) {
            n.put("execution_duration", duration(t.executionDurationMs()));
        }
        n.put("state", t.state().name());
        stringMap(n.putObject("trace_metadata"), t.metadata());
        ArrayNode assessments = n.putArray("assessments");
        for (Assessment a : t.assessments()) {
            assessments.add(assessment(a));
        }
        stringMap(n.putObject("tags"), t.tags());
        return n;
    }

    /** Assessment as MLflow's {@code assessments.proto} JSON (docs/mlflow-compatibility.md §1.6). */
    public static ObjectNode assessment(Assessment a) {
        ObjectNode n = object();
        n.put("assessment_id", a.assessmentId());
        n.put("assessment_name", a.name());
        n.put("trace_id", a.traceId());
        if (a.spanId() != null) {
            n.put("span_id", a.spanId());
        }
        ObjectNode source = n.putObject("source");
        source.put("source_type", a.sourceType());
        source.put("source_id", a.sourceId());
        n.put("create_time", timestamp(a.createTimeMs()));
        n.put("last_update_time", timestamp(a.lastUpdateTimeMs()));
        if (a.kind() == Assessment.Kind.FEEDBACK) {
            ObjectNode f = n.putObject("feedback");
            if (a.valueJson() != null) {
                f.putRawValue("value", new RawValue(a.valueJson()));
            }
            if (a.errorJson() != null) {
                f.putRawValue("error", new RawValue(a.errorJson()));
            }
        } else {
            ObjectNode e = n.putObject("expectation");
            if (a.serializedFormat() != null) {
                ObjectNode sv = e.putObject("serialized_value");
                sv.put("serialization_format", a.serializedFormat());
                sv.putRawValue("value", new RawValue(a.valueJson()));
            } else if (a.valueJson() != null) {
                e.putRawValue("value", new RawValue(a.valueJson()));
            }
        }
        if (a.rationale() != null) {
            n.put("rationale", a.rationale());
        }
        stringMap(n.putObject("metadata"), a.metadata());
        if (a.overrides() != null) {
            n.put("overrides", a.overrides());
        }
        n.put("valid", a.valid());
        return n;
    }

    /** {@code {"trace_info": …, "spans": [...]}} with the stored span documents spliced in. */
    public static ObjectNode trace(TraceInfo info, List<String> spans) {
        ObjectNode n = object();
        n.set("trace_info", traceInfo(info));
        ArrayNode arr = n.putArray("spans");
        for (String s : spans) {
            arr.addRawValue(new RawValue(s));
        }
        return n;
    }

    private static void stringMap(ObjectNode target, Map<String, String> map) {
        map.forEach(target::put);
    }

    /** google.protobuf.Timestamp JSON: RFC 3339 UTC with millisecond precision. */
    public static String timestamp(long epochMillis) {
        String s = Instant.ofEpochMilli(epochMillis).toString();
        // Instant prints no fraction for whole seconds; keep a fixed .SSS like protobuf does for ms values.
        if (epochMillis % 1000 == 0 && s.endsWith("Z") && !s.contains(".")) {
            s = s.substring(0, s.length() - 1) + ".000Z";
        }
        return s;
    }

    /** google.protobuf.Duration JSON: seconds with an {@code s} suffix, e.g. {@code 1.840s}. */
    public static String duration(long millis) {
        long seconds = millis / 1000;
        long ms = millis % 1000;
        return ms == 0 ? seconds + "s" : String.format("%d.%03ds", seconds, ms);
    }
}
