package io.tracebridge.ingest;

import java.util.Locale;

/** The two OTLP/HTTP body encodings. */
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

    /** A {@code google.rpc.Status} error body in this encoding (OTLP/HTTP failure responses). */
    public byte[] statusBody(int grpcCode, String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(grpcCode).setMessage(message).build();
        return this == JSON ? OtlpJson.print(status).getBytes(java.nio.charset.StandardCharsets.UTF_8) : status.toByteArray();
    }

    /**
     * Ends a Vert.x-level response (below JAX-RS: authentication, admission) with a
     * {@code google.rpc.Status} in the request's encoding, JSON when it named none we know.
     */
    public static void endWithStatus(io.vertx.core.http.HttpServerResponse response, String requestContentType,
                                     int grpcCode, String message) {
        OtlpEncoding encoding = fromContentType(requestContentType);
        if (encoding == null) {
            encoding = JSON;
        }
        response.putHeader("Content-Type", encoding.mediaType())
                .end(io.vertx.core.buffer.Buffer.buffer(encoding.statusBody(grpcCode, message)));
    }

    /**
     * Whether a request went to the OTLP/HTTP receiver, to pick the error body's format (OTLP
     * Status or MLflow JSON) where no route has matched yet; never used to authorise.
     */
    public static boolean isOtlpPath(String normalizedPath) {
        return normalizedPath.equals("/v1/traces") || normalizedPath.startsWith("/v1/traces/")
                || normalizedPath.startsWith("/v1/traces;");
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
