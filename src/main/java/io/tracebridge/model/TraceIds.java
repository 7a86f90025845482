package io.tracebridge.model;

import java.util.HexFormat;

/** MLflow trace and span identifiers derived from OTel IDs (docs/mlflow-compatibility.md §1.5, §6). */
public final class TraceIds {
    public static final String TRACE_ID_PREFIX = "tr-";
    private static final HexFormat HEX = HexFormat.of();

    private TraceIds() {
    }

    /** {@code tr-<32 lowercase hex>} for a 16-byte OTel trace ID. */
    public static String mlflowTraceId(byte[] otelTraceId) {
        return TRACE_ID_PREFIX + HEX.formatHex(otelTraceId);
    }

    public static String hex(byte[] id) {
        return HEX.formatHex(id);
    }

    /** The 16 raw bytes of an MLflow trace ID of the form {@code tr-<32 hex>}, or null. */
    public static byte[] otelTraceId(String mlflowTraceId) {
        if (mlflowTraceId == null || !mlflowTraceId.startsWith(TRACE_ID_PREFIX)
                || mlflowTraceId.length() != TRACE_ID_PREFIX.length() + 32) {
            return null;
        }
        try {
            return HEX.parseHex(mlflowTraceId.substring(TRACE_ID_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** True when every byte is zero (an invalid OTel ID). */
    public static boolean allZero(byte[] id) {
        for (byte b : id) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
