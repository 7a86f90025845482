package io.tracebridge.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.security.ForbiddenException;
import io.tracebridge.errors.ErrorBodies;
import io.tracebridge.errors.Failure;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.security.Access;
import jakarta.ws.rs.container.ResourceInfo;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.StoreFailures;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;


/**
 * Where exceptions become HTTP responses for the REST API: MLflow error JSON
 * {@code {error_code, message}} with the status of the code's row in {@link Failure}
 * (docs/mlflow-compatibility.md §4.6), rendered by {@link ErrorBodies}. Never a stack trace or SQL.
 */
public class ErrorMapper {
    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    public static Response response(ErrorCode code, String message) {
        return ErrorBodies.mlflow(code, message);
    }

    @ServerExceptionMapper
    public Response mlflow(MlflowException e) {
        String retryAfter = e.retryAfterSeconds() > 0 ? Long.toString(e.retryAfterSeconds()) : Failure.RETRY_AFTER_SECONDS;
        return ErrorBodies.mlflow(Failure.of(e.code()), e.code(), e.getMessage(), retryAfter);
    }

    /**
     * A caller whose token lacks the role the matched resource method declares
     * ({@code @RolesAllowed}); the message names both, read from that method.
     */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, ResourceInfo resource) {
        return response(ErrorCode.PERMISSION_DENIED, Access.forbiddenMessage(resource));
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return response(ErrorCode.ENDPOINT_NOT_FOUND, "No endpoint matches this path");
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return ErrorBodies.mlflow(Failure.METHOD_NOT_ALLOWED, ErrorCode.BAD_REQUEST, "This endpoint does not accept this HTTP method");
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        return response(ErrorCode.MALFORMED_REQUEST, "Malformed JSON request body: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        String message = e.getMessage() == null ? "Bad request" : e.getMessage();
        return Response.fromResponse(response(ErrorCode.BAD_REQUEST, message)).status(status).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable t) {
        if (StoreFailures.isDataError(t)) {
            LOG.warnf("Request rejected by the database: %s", t.getMessage());
            String state = StoreFailures.sqlState(t);
            // 22021 invalid byte sequence (U+0000), 22P05 unsupported Unicode escape (\u0000 in jsonb).
            if ("22021".equals(state) || "22P05".equals(state)) {
                return response(ErrorCode.INVALID_PARAMETER_VALUE,
                        "A value in the request contains text that cannot be stored (a NUL character or invalid Unicode)");
            }
            return response(ErrorCode.INVALID_PARAMETER_VALUE,
                    "A value in the request is not valid for storage (too long or malformed)");
        }
        if (StoreFailures.isUnavailable(t)) {
            LOG.warnf("Database unavailable: %s", t.toString());
            return response(ErrorCode.TEMPORARILY_UNAVAILABLE, "The trace store is temporarily unavailable; retry later");
        }
        LOG.error("Unexpected error while handling a request", t);
        return response(ErrorCode.INTERNAL_ERROR, "Internal error; see the server log");
    }
}
