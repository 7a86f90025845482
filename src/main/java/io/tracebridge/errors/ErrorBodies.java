package io.tracebridge.errors;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.tracebridge.model.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renders failures as each client expects them, with the statuses of {@link Failure}: MLflow's
 * error JSON {@code {"error_code", "message"}} for the REST API (as a JAX-RS response, or straight
 * on a Vert.x response below JAX-RS: authentication, admission, unknown paths), and OTLP's
 * {@code google.rpc.Status} for {@code /v1/traces}, in the request's encoding (protobuf or JSON).
 * Never a stack trace or SQL: messages are written by the callers for the client.
 */
public final class ErrorBodies {
    private static final JsonFormat.Printer STATUS_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    public static final String PROTOBUF = OtlpEncoding.PROTOBUF.mediaType();
    public static final String JSON = OtlpEncoding.JSON.mediaType();

    private ErrorBodies() {
    }

    /** MLflow's error JSON as text. */
    public static String mlflowJson(ErrorCode code, String message) {
        return new JsonObject().put("error_code", code.name()).put("message", message).encode();
    }

    /** MLflow's error JSON with the status of the code's {@link Failure} row. */
    public static Response mlflow(ErrorCode code, String message) {
        return mlflow(Failure.of(code), code, message);
    }

    /** MLflow's error JSON with {@code failure}'s HTTP status and {@code code} (for example 405 with BAD_REQUEST). */
    public static Response mlflow(Failure failure, ErrorCode code, String message) {
        return mlflow(failure, code, message, Failure.RETRY_AFTER_SECONDS);
    }

    /** MLflow's error JSON; a retryable failure asks the client to wait {@code retryAfterSeconds}. */
    public static Response mlflow(Failure failure, ErrorCode code, String message, String retryAfterSeconds) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error_code", code.name());
        body.put("message", message);
        Response.ResponseBuilder r = Response.status(failure.httpStatus()).type(MediaType.APPLICATION_JSON).entity(body);
        if (failure.retryable()) {
            r.header("Retry-After", retryAfterSeconds);
        }
        return r.build();
    }

    /** Ends a Vert.x response with MLflow's error JSON for {@code failure}. */
    public static void endMlflow(HttpServerResponse response, Failure failure, String message) {
        response.setStatusCode(failure.httpStatus()).putHeader("Content-Type", JSON);
        if (failure.retryable()) {
            response.putHeader("Retry-After", Failure.RETRY_AFTER_SECONDS);
        }
        response.end(mlflowJson(failure.mlflowCode(), message));
    }

    /** Ends a Vert.x response with an OTLP {@code google.rpc.Status} for {@code failure}. */
    public static void endOtlp(HttpServerResponse response, String requestContentType, Failure failure, String message) {
        response.setStatusCode(failure.httpStatus());
        if (failure.retryable()) {
            response.putHeader("Retry-After", Failure.RETRY_AFTER_SECONDS);
        }
        boolean protobuf = OtlpEncoding.fromContentType(requestContentType) == OtlpEncoding.PROTOBUF;
        response.putHeader("Content-Type", protobuf ? PROTOBUF : JSON)
                .end(Buffer.buffer(otlpStatus(protobuf, failure, message)));
    }

    /** An OTLP/HTTP error response ({@code google.rpc.Status} body) for JAX-RS. */
    public static Response otlp(boolean protobuf, Failure failure, String message) {
        Response.ResponseBuilder r = Response.status(failure.httpStatus());
        if (failure.retryable()) {
            r.header("Retry-After", Failure.RETRY_AFTER_SECONDS);
        }
        return r.type(protobuf ? PROTOBUF : JSON).entity(otlpStatus(protobuf, failure, message)).build();
    }

    /** A {@code google.rpc.Status} with the failure's gRPC code, as protobuf or as OTLP's JSON. */
    public static byte[] otlpStatus(boolean protobuf, Failure failure, String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(failure.grpcCodeNumber()).setMessage(message).build();
        if (protobuf) {
            return status.toByteArray();
        }
        try {
            return STATUS_PRINTER.print(status).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether a request went to the OTLP/HTTP receiver, to pick the error body's format (OTLP
     * Status or MLflow JSON) where no route has matched yet; never used to authorise.
     */
    public static boolean isOtlpPath(String normalizedPath) {
        return normalizedPath.equals("/v1/traces") || normalizedPath.startsWith("/v1/traces/")
                || normalizedPath.startsWith("/v1/traces;");
    }
}
