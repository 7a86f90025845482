package io.tracebridge.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Map;

/**
 * The REST API's text parameters outside the body (query and path parameters, and the
 * {@code X-User-ID} header that feedback stores as its source) follow the body's rule
 * ({@link Requests#requireStorable(String, String)}): a value holding U+0000 or an unpaired
 * surrogate is refused with 400 INVALID_PARAMETER_VALUE naming the parameter, before the
 * matched resource method runs, whatever the resource (OTLP's body has its own rule, the
 * replacement described in docs/reliability.md).
 */
public class StorableTextFilter {
    static final String USER_HEADER = "X-User-ID";

    @ServerRequestFilter
    public void check(ContainerRequestContext request) {
        check(request.getUriInfo().getQueryParameters());
        check(request.getUriInfo().getPathParameters());
        String user = request.getHeaderString(USER_HEADER);
        if (user != null) {
            Requests.requireStorable(user, USER_HEADER);
        }
    }

    private static void check(MultivaluedMap<String, String> params) {
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            Requests.requireStorable(e.getKey(), "query parameter name");
            for (String v : e.getValue()) {
                Requests.requireStorable(v, e.getKey());
            }
        }
    }
}
