package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.KeyValue;

import java.util.List;

/**
 * OTel resource attributes become trace tags (docs/mlflow-compatibility.md §3.4, §8.2), except
 * {@code telemetry.sdk.*} and {@code mlflow.*}; non-string values are JSON-encoded. They rank
 * below the {@code mlflow.traceTag.*} tags of any span.
 */
public final class ResourceTagConvention {
    /**
     * Tags that resources may add over one request, counted per trace they are applied to. A
     * resource's attributes are copied onto every trace of its spans, so one resource with
     * thousands of attributes and a request of thousands of one-span traces would otherwise make
     * millions of tag rows out of a small request. Normal traffic is far below: tens of traces per
     * request, tens of resource attributes each.
     */
    public static final int MAX_TAGS_PER_REQUEST = 100_000;
    /** Characters of tag values (and keys) that resources may add over one request. */
    public static final long MAX_CHARS_PER_REQUEST = 16L * 1024 * 1024;

    /** What one request's resources have added so far. */
    public static final class Budget {
        private int tags;
        private long chars;
        private int dropped;

        public int dropped() {
            return dropped;
        }
    }

    public void apply(List<KeyValue> resourceAttributes, TraceDraft draft, Budget budget) {
        for (KeyValue kv : resourceAttributes) {
            String key = kv.getKey();
            if (key.startsWith("telemetry.sdk.") || key.startsWith("mlflow.")) {
                continue;
            }
            String value = AttributeValues.asText(kv.getValue());
            long size = key.length() + (value == null ? 0 : value.length());
            if (budget.tags >= MAX_TAGS_PER_REQUEST || budget.chars + size > MAX_CHARS_PER_REQUEST) {
                budget.dropped++;
                continue;
            }
            budget.tags++;
            budget.chars += size;
            draft.putTag(key, value, Rank.OTHER_SPAN, Source.RESOURCE);
        }
    }
}
