package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.AnyValue;

import java.util.Locale;
import java.util.Set;

/**
 * OpenInference (Arize Phoenix) conventions: {@code openinference.span.kind} as span type and
 * {@code input.value}/{@code output.value} as previews (the root span's, else the span
 * nearest the root). OpenInference's
 * {@code session.id}/{@code user.id} are OTel semconv keys, handled there.
 */
public final class OpenInferenceConvention implements AttributeConvention {
    private static final Set<String> KNOWN_KINDS = Set.of(
            "LLM", "CHAIN", "TOOL", "AGENT", "RETRIEVER", "EMBEDDING", "RERANKER", "GUARDRAIL", "EVALUATOR");

    @Override
    public void apply(SpanView span, TraceDraft draft) {
        AnyValue kind = span.attribute("openinference.span.kind");
        String text = kind == null ? null : AttributeValues.asText(kind);
        if (text != null && !text.isBlank()) {
            String k = text.toUpperCase(Locale.ROOT);
            span.offerSpanType(KNOWN_KINDS.contains(k) ? k : "UNKNOWN", 2);
        }
        MlflowConvention.offerPreview(span, draft, "input.value", TraceDraft.Field.REQUEST_PREVIEW);
        MlflowConvention.offerPreview(span, draft, "output.value", TraceDraft.Field.RESPONSE_PREVIEW);
    }
}
