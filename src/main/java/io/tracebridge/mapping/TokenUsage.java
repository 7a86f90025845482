package io.tracebridge.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.common.v1.AnyValue;

import java.util.List;

/**
 * A span's LLM token counts, as MLflow reads them: its own {@code mlflow.chat.tokenUsage}
 * (the JSON object {@code {"input_tokens", "output_tokens", "total_tokens"}} the MLflow SDK
 * writes), else the OTel GenAI semantic conventions' {@code gen_ai.usage.input_tokens} /
 * {@code gen_ai.usage.output_tokens}, else OpenInference's {@code llm.token_count.prompt} /
 * {@code completion} / {@code total} (MLflow's OTel translators map both onto
 * {@code mlflow.chat.tokenUsage}). A count that is missing, negative or not an integer is null.
 * The store sums them per trace into the metadata {@code mlflow.trace.tokenUsage}
 * (store.PgTraceStore, docs/mapping.md section 7a).
 *
 * <p>{@code model} is the model the span reports the counts for, which prices them
 * (docs/analytics-api.md, "Cost"): MLflow's {@code mlflow.llm.model}, else the GenAI
 * conventions' {@code gen_ai.response.model} (the model that answered, e.g. a dated snapshot),
 * else {@code gen_ai.request.model}, else OpenInference's {@code llm.model_name}; at most
 * {@link #MAX_MODEL_CHARS} characters; null when the span names none.
 */
public record TokenUsage(Long input, Long output, Long total, String model) {
    public static final String CHAT_USAGE = "mlflow.chat.tokenUsage";
    /** The longest model name kept, as the store's column allows. */
    public static final int MAX_MODEL_CHARS = 256;
    /** Where a span names its model, in order of preference. */
    static final List<String> MODEL_KEYS = List.of("mlflow.llm.model", "gen_ai.response.model", "gen_ai.request.model",
            "llm.model_name");

    public TokenUsage(Long input, Long output, Long total) {
        this(input, output, total, null);
    }

    public boolean isEmpty() {
        return input == null && output == null && total == null;
    }

    /** The span's usage, or null when it reports none. */
    static TokenUsage of(SpanView span) {
        TokenUsage counts = counts(span);
        return counts == null ? null : new TokenUsage(counts.input, counts.output, counts.total, model(span));
    }

    /** The first non-blank model name of {@link #MODEL_KEYS}, cut to {@link #MAX_MODEL_CHARS}. */
    static String model(SpanView span) {
        for (String key : MODEL_KEYS) {
            AnyValue v = span.attribute(key);
            if (v != null && v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
                String name = AttributeValues.unwrapJsonString(v.getStringValue()).strip();
                if (!name.isEmpty()) {
                    return Text.prefix(name, MAX_MODEL_CHARS);
                }
            }
        }
        return null;
    }

    private static TokenUsage counts(SpanView span) {
        AnyValue chat = span.attribute(CHAT_USAGE);
        if (chat != null) {
            TokenUsage u = fromChatUsage(chat);
            if (u != null) {
                return u;
            }
        }
        TokenUsage genAi = of(span.attribute("gen_ai.usage.input_tokens"), span.attribute("gen_ai.usage.output_tokens"),
                null);
        if (genAi != null) {
            return genAi;
        }
        return of(span.attribute("llm.token_count.prompt"), span.attribute("llm.token_count.completion"),
                span.attribute("llm.token_count.total"));
    }

    private static TokenUsage of(AnyValue in, AnyValue out, AnyValue total) {
        TokenUsage u = new TokenUsage(count(in), count(out), count(total));
        return u.isEmpty() ? null : u;
    }

    private static TokenUsage fromChatUsage(AnyValue v) {
        JsonNode json;
        if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
            try {
                json = AttributeValues.JSON.readTree(v.getStringValue());
            } catch (Exception notJson) {
                return null;
            }
        } else {
            json = AttributeValues.JSON.valueToTree(AttributeValues.toJava(v));
        }
        if (json == null || !json.isObject()) {
            return null;
        }
        TokenUsage u = new TokenUsage(count(json.get("input_tokens")), count(json.get("output_tokens")),
                count(json.get("total_tokens")));
        return u.isEmpty() ? null : u;
    }

    private static Long count(AnyValue v) {
        if (v == null) {
            return null;
        }
        return switch (v.getValueCase()) {
            case INT_VALUE -> v.getIntValue() >= 0 ? v.getIntValue() : null;
            case DOUBLE_VALUE -> whole(v.getDoubleValue());
            case STRING_VALUE -> parse(v.getStringValue());
            default -> null;
        };
    }

    private static Long count(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue() >= 0 ? n.longValue() : null;
        }
        if (n.isFloatingPointNumber()) {
            return whole(n.doubleValue());
        }
        return n.isTextual() ? parse(n.textValue()) : null;
    }

    private static Long whole(double d) {
        return d >= 0 && d <= Long.MAX_VALUE && d == Math.rint(d) ? (long) d : null;
    }

    private static Long parse(String s) {
        String t = s.strip();
        if (t.isEmpty() || t.length() > 19 || !t.chars().allMatch(Character::isDigit)) {
            return null;
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException tooBig) {
            return null;
        }
    }
}
