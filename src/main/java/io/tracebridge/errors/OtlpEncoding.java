package io.tracebridge.errors;

import java.util.Locale;

/** The two OTLP/HTTP body encodings: of a request, and so of its answer, an error's {@code google.rpc.Status} included. */
public enum OtlpEncoding {
    PROTOBUF("application/x-protobuf"),
    JSON("application/json");

    private final String mediaType;

    OtlpEncoding(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The encoding named by a Content-Type header (parameters ignored), or null if unsupported. */
    public static OtlpEncoding fromContentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        String base = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (base) {
            case "application/x-protobuf", "application/protobuf" -> PROTOBUF;
            case "application/json" -> JSON;
            default -> null;
        };
    }
}
