package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.tracebridge.model.SpanAttributeKeys;
import io.tracebridge.model.TraceMetadataKeys;
import io.tracebridge.model.TraceTagKeys;

import java.util.Map;

/**
 * MLflow's own span attributes (docs/mlflow-compatibility.md §1.5, §3.4, §8.2): {@code mlflow.trace.session},
 * {@code mlflow.trace.user}, the client request ID, {@code mlflow.spanType}, inputs/outputs
 * (previews), {@code mlflow.traceTag.*}, {@code mlflow.traceMetadata.*} and reserved metadata
 * keys from any span (the root's first, then the span nearest the root: docs/mapping.md §6a),
 * and the root span's name as default trace name.
 */
public final class MlflowConvention implements AttributeConvention {
    static final String SESSION = TraceMetadataKeys.TRACE_SESSION;
    static final String USER = TraceMetadataKeys.TRACE_USER;
    static final String CLIENT_REQUEST_ID = "mlflow.trace.client_request_id";
    static final String CLIENT_REQUEST_ID_ALT = "mlflow.clientRequestId";

    @Override
    public void apply(SpanView span, TraceDraft draft) {
        offerId(span, draft, SESSION, TraceDraft.Field.SESSION, 0);
        offerId(span, draft, USER, TraceDraft.Field.USER, 0);
        offerId(span, draft, CLIENT_REQUEST_ID, TraceDraft.Field.CLIENT_REQUEST_ID, 0);
        offerId(span, draft, CLIENT_REQUEST_ID_ALT, TraceDraft.Field.CLIENT_REQUEST_ID, 1);

        AnyValue type = span.attribute(SpanAttributeKeys.SPAN_TYPE);
        if (type != null) {
            span.offerSpanType(AttributeValues.asText(type), 0);
        }
        short rank = span.isRoot() ? Rank.ROOT_SPAN : Rank.OTHER_SPAN;
        String source = span.source();
        for (String key : TraceMetadataKeys.SPAN_SETTABLE) {
            AnyValue v = span.attribute(key);
            if (v != null) {
                draft.putMetadata(key, AttributeValues.asText(v), rank, source);
            }
        }
        if (span.isRoot()) {
            draft.putTag(TraceTagKeys.TRACE_NAME, span.span().getName(), Rank.OTHER_SPAN, source);
        }
        offerPreview(span, draft, SpanAttributeKeys.SPAN_INPUTS, TraceDraft.Field.REQUEST_PREVIEW);
        offerPreview(span, draft, SpanAttributeKeys.SPAN_OUTPUTS, TraceDraft.Field.RESPONSE_PREVIEW);
        // Trace-level tags and metadata from any span, not only the root: with HTTP framework
        // instrumentation the root is the framework's SERVER span and the app's span that carries
        // them is its child. The root's values win, then those of the span nearest the root.
        for (Map.Entry<String, AnyValue> e : span.attributes().entrySet()) {
            String key = e.getKey();
            if (key.startsWith(SpanAttributeKeys.TRACE_TAG_PREFIX)) {
                draft.putTag(key.substring(SpanAttributeKeys.TRACE_TAG_PREFIX.length()),
                        AttributeValues.asText(e.getValue()), rank, source);
            } else if (key.startsWith(SpanAttributeKeys.TRACE_METADATA_PREFIX)) {
                String metaKey = key.substring(SpanAttributeKeys.TRACE_METADATA_PREFIX.length());
                if (SESSION.equals(metaKey)) {
                    offerId(span, draft, key, TraceDraft.Field.SESSION, 0);
                } else if (USER.equals(metaKey)) {
                    offerId(span, draft, key, TraceDraft.Field.USER, 0);
                } else {
                    draft.putMetadata(metaKey, AttributeValues.asText(e.getValue()), rank, source);
                }
            }
        }
    }

    static void offerId(SpanView span, TraceDraft draft, String key, TraceDraft.Field field, int precedence) {
        AnyValue v = span.attribute(key);
        if (v != null) {
            AttributeValues.identifier(v).ifPresent(id -> draft.offer(field, id, span, precedence));
        }
    }

    /**
     * Previews come from the root span, else from the span nearest the root that has them; the
     * value is kept as the JSON text the SDK wrote.
     */
    static void offerPreview(SpanView span, TraceDraft draft, String key, TraceDraft.Field field) {
        AnyValue v = span.attribute(key);
        if (v == null) {
            return;
        }
        String text = v.getValueCase() == AnyValue.ValueCase.STRING_VALUE
                ? v.getStringValue()
                : AttributeValues.asText(v);
        draft.offer(field, text, span, precedenceOf(key));
    }

    private static int precedenceOf(String key) {
        return key.startsWith("mlflow.") ? 0 : key.startsWith("gen_ai.") ? 1 : 2;
    }
}
