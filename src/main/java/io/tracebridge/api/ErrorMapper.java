package io.tracebridge.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.security.ApiToken;
import io.tracebridge.security.TokenIdentityProvider;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.container.ResourceInfo;
import io.tracebridge.model.MlflowException;
import io.tracebridge.store.StoreFailures;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where failures become HTTP responses for the REST API: MLflow error JSON
 * {@code {error_code, message}} with the status of docs/mlflow-compatibility.md §4.6. Never a stack trace or SQL.
 */
public class ErrorMapper {
    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    public static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_PARAMETER_VALUE, BAD_REQUEST, MALFORMED_REQUEST, INVALID_STATE, RESOURCE_ALREADY_EXISTS -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case RESOURCE_DOES_NOT_EXIST, ENDPOINT_NOT_FOUND -> 404;
            case REQUEST_LIMIT_EXCEEDED -> 429;
            case INTERNAL_ERROR -> 500;
            case NOT_IMPLEMENTED -> 501;
            case TEMPORARILY_UNAVAILABLE -> 503;
        };
    }

    /** Seconds a client is asked to wait before retrying a 503 (REST and OTLP/HTTP alike). */
    public static final String RETRY_AFTER_SECONDS = "5";

    /**
     * Ends a response below JAX-RS (Vert.x routes and filters: authentication, admission, unknown
     * paths) with MLflow's error JSON, and {@code Retry-After} for TEMPORARILY_UNAVAILABLE.
     */
    public static void end(io.vertx.core.http.HttpServerResponse response, int status, ErrorCode code, String message) {
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (code == ErrorCode.TEMPORARILY_UNAVAILABLE) {
            response.putHeader("Retry-After", RETRY_AFTER_SECONDS);
        }
        response.end(json(code, message));
    }

    /** The MLflow error JSON as text, for handlers below JAX-RS (Vert.x routes and filters). */
    public static String json(ErrorCode code, String message) {
        return Json.object().put("error_code", code.name()).put("message", message).toString();
    }

    public static Response response(ErrorCode code, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error_code", code.name());
        body.put("message", message);
        Response.ResponseBuilder r = Response.status(status(code)).type(MediaType.APPLICATION_JSON).entity(body);
        if (code == ErrorCode.TEMPORARILY_UNAVAILABLE) {
            r.header("Retry-After", RETRY_AFTER_SECONDS);
        }
        return r.build();
    }

    @ServerExceptionMapper
    public Response mlflow(MlflowException e) {
        return response(e.code(), e.getMessage());
    }

    /**
     * A caller whose token lacks the role the matched resource method declares
     * ({@code @RolesAllowed}); the message names both, read from that method.
     */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, ResourceInfo resource) {
        return response(ErrorCode.PERMISSION_DENIED, forbiddenMessage(resource));
    }

    /** "Token 'name' has scope read; this request needs write", from the matched method's roles. */
    public static String forbiddenMessage(ResourceInfo resource) {
        String needed = "a larger scope";
        RolesAllowed roles = resource == null || resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(RolesAllowed.class);
        if (roles != null && roles.value().length > 0) {
            needed = roles.value()[0];
        }
        SecurityIdentity identity = io.quarkus.arc.Arc.container().instance(SecurityIdentity.class).get();
        ApiToken token = identity == null ? null : identity.getAttribute(TokenIdentityProvider.TOKEN_ATTRIBUTE);
        if (token == null) {
            return "This request needs scope " + needed;
        }
        return "Token '" + token.name() + "' has scope " + token.scope().role() + "; this request needs " + needed;
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return response(ErrorCode.ENDPOINT_NOT_FOUND, "No endpoint matches this path");
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        Response r = response(ErrorCode.BAD_REQUEST, "This endpoint does not accept this HTTP method");
        return Response.fromResponse(r).status(405).build();
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
