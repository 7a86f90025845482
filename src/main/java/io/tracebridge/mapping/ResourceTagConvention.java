package io.tracebridge.mapping;

import io.opentelemetry.proto.common.v1.KeyValue;

import java.util.List;

/**
 * OTel resource attributes become trace tags (contract §3.4, §8.2), except
 * {@code telemetry.sdk.*} and {@code mlflow.*}; non-string values are JSON-encoded. They rank
 * below the root span's {@code mlflow.traceTag.*} tags.
 */
public final class ResourceTagConvention {
    public void apply(List<KeyValue> resourceAttributes, TraceDraft draft) {
        for (KeyValue kv : resourceAttributes) {
            String key = kv.getKey();
            if (key.startsWith("telemetry.sdk.") || key.startsWith("mlflow.")) {
                continue;
            }
            draft.putTag(key, AttributeValues.asText(kv.getValue()), Rank.OTHER_SPAN);
        }
    }
}
