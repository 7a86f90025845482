package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.AnyValue;

import java.util.Map;

/**
 * OpenTelemetry GenAI semantic conventions: {@code gen_ai.conversation.id} as session,
 * {@code gen_ai.operation.name} as span type, and
 * {@code gen_ai.input.messages}/{@code gen_ai.output.messages} as previews when the MLflow keys
 * are absent (the root span's, else the span nearest the root).
 */
public final class GenAiConvention implements AttributeConvention {
    private static final Map<String, String> OPERATION_TO_TYPE = Map.of(
            "chat", "CHAT_MODEL",
            "text_completion", "LLM",
            "generate_content", "LLM",
            "embeddings", "EMBEDDING",
            "execute_tool", "TOOL",
            "invoke_agent", "AGENT",
            "create_agent", "AGENT");

    @Override
    public void apply(SpanView span, TraceDraft draft) {
        MlflowConvention.offerId(span, draft, "gen_ai.conversation.id", TraceDraft.Field.SESSION, 2);
        AnyValue op = span.attribute("gen_ai.operation.name");
        String operation = op == null ? null : AttributeValues.asText(op);
        if (operation != null) {
            span.offerSpanType(OPERATION_TO_TYPE.get(operation), 1);
        }
        MlflowConvention.offerPreview(span, draft, "gen_ai.input.messages", TraceDraft.Field.REQUEST_PREVIEW);
        MlflowConvention.offerPreview(span, draft, "gen_ai.output.messages", TraceDraft.Field.RESPONSE_PREVIEW);
    }
}
