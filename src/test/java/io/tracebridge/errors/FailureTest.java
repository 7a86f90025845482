package io.tracebridge.errors;

import io.grpc.Status;
import io.tracebridge.ingest.OtlpException;
import io.tracebridge.model.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failure table against the two specifications it serves: MLflow's HTTP status per error
 * code (docs/mlflow-compatibility.md §4.6), and OTLP's rules for exporters (only UNAVAILABLE is
 * retried; a body too large is RESOURCE_EXHAUSTED / 413).
 */
class FailureTest {
    @Test
    void mlflowErrorCodesKeepMlflowsStatuses() {
        Map<ErrorCode, Integer> mlflow = new EnumMap<>(ErrorCode.class);
        mlflow.put(ErrorCode.INVALID_PARAMETER_VALUE, 400);
        mlflow.put(ErrorCode.BAD_REQUEST, 400);
        mlflow.put(ErrorCode.MALFORMED_REQUEST, 400);
        mlflow.put(ErrorCode.INVALID_STATE, 400);
        mlflow.put(ErrorCode.RESOURCE_ALREADY_EXISTS, 400);
        mlflow.put(ErrorCode.UNAUTHENTICATED, 401);
        mlflow.put(ErrorCode.PERMISSION_DENIED, 403);
        mlflow.put(ErrorCode.RESOURCE_DOES_NOT_EXIST, 404);
        mlflow.put(ErrorCode.ENDPOINT_NOT_FOUND, 404);
        mlflow.put(ErrorCode.REQUEST_LIMIT_EXCEEDED, 429);
        mlflow.put(ErrorCode.INTERNAL_ERROR, 500);
        mlflow.put(ErrorCode.NOT_IMPLEMENTED, 501);
        mlflow.put(ErrorCode.TEMPORARILY_UNAVAILABLE, 503);
        assertThat(mlflow.keySet()).containsExactlyInAnyOrder(ErrorCode.values());
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(Failure.of(code).httpStatus()).as(code.name()).isEqualTo(mlflow.get(code));
            assertThat(Failure.of(code).mlflowCode()).isEqualTo(code);
        }
    }

    @Test
    void onlyUnavailableIsRetryableAndItAsksForARetryAfter() {
        for (Failure f : Failure.values()) {
            assertThat(f.retryable()).as(f.name()).isEqualTo(f == Failure.UNAVAILABLE);
        }
        assertThat(Failure.UNAVAILABLE.grpcCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Failure.UNAVAILABLE.httpStatus()).isEqualTo(503);
        assertThat(Integer.parseInt(Failure.RETRY_AFTER_SECONDS)).isPositive();
    }

    @Test
    void otlpKindsAnswerWithTheOtlpSpecificationsCodes() {
        Map<String, Object[]> expected = Map.of(
                "BAD_REQUEST", new Object[] {400, Status.Code.INVALID_ARGUMENT},
                "UNAUTHENTICATED", new Object[] {401, Status.Code.UNAUTHENTICATED},
                "PERMISSION_DENIED", new Object[] {403, Status.Code.PERMISSION_DENIED},
                "NOT_FOUND", new Object[] {404, Status.Code.NOT_FOUND},
                "TOO_LARGE", new Object[] {413, Status.Code.RESOURCE_EXHAUSTED},
                "UNSUPPORTED_MEDIA_TYPE", new Object[] {415, Status.Code.INVALID_ARGUMENT},
                "UNAVAILABLE", new Object[] {503, Status.Code.UNAVAILABLE},
                "INTERNAL", new Object[] {500, Status.Code.INTERNAL});
        assertThat(OtlpException.Kind.values()).hasSize(expected.size());
        for (OtlpException.Kind kind : OtlpException.Kind.values()) {
            Object[] want = expected.get(kind.name());
            assertThat(want).as(kind.name()).isNotNull();
            assertThat(kind.failure().httpStatus()).as(kind.name()).isEqualTo(want[0]);
            assertThat(kind.failure().grpcCode()).as(kind.name()).isEqualTo(want[1]);
        }
    }

    @Test
    void otlpStatusBodiesCarryTheGrpcCodeNumber() throws Exception {
        byte[] proto = ErrorBodies.otlpStatus(true, Failure.UNAVAILABLE, "retry later");
        com.google.rpc.Status s = com.google.rpc.Status.parseFrom(proto);
        assertThat(s.getCode()).isEqualTo(14);
        assertThat(s.getMessage()).isEqualTo("retry later");
        String json = new String(ErrorBodies.otlpStatus(false, Failure.TOO_LARGE, "too big"), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"code\":8,\"message\":\"too big\"}");
    }
}
