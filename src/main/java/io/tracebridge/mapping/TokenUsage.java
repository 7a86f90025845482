package io.tracebridge.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.common.v1.AnyValue;

/**
 * A span's LLM token counts, as MLflow reads them: its own {@code mlflow.chat.tokenUsage}
 * (the JSON object {@code {"input_tokens", "output_tokens", "total_tokens"}} the MLflow SDK
 * writes), else the OTel GenAI semantic conventions' {@code gen_ai.usage.input_tokens} /
 * {@code gen_ai.usage.output_tokens}, else OpenInference's {@code llm.token_count.prompt} /
 * {@code completion} / {@code total} (MLflow's OTel translators map both onto
 * {@code mlflow.chat.tokenUsage}). A count that is missing, negative or not an integer is null.
 * The store sums them per trace into the metadata {@code mlflow.trace.tokenUsage}
 * (store.PgTraceStore, docs/mapping.md section 7a).
 */
public record TokenUsage(Long input, Long output, Long total) {
    public static final String CHAT_USAGE = "mlflow.chat.tokenUsage";

    public boolean isEmpty() {
        return input == null && output == null && total == null;
    }

    /** The span's usage, or null when it reports none. */
    static TokenUsage of(SpanView span) {
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
