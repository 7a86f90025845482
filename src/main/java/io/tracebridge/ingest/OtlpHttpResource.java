package io.tracebridge.ingest;

import io.tracebridge.errors.OtlpEncoding;
import jakarta.annotation.security.RolesAllowed;
import io.tracebridge.security.Roles;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.google.protobuf.Message;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.smallrye.mutiny.Uni;
import io.tracebridge.ops.IngestMetrics;
import io.tracebridge.security.Access;
import io.tracebridge.ops.TracebridgeConfig;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.container.ResourceInfo;
import io.quarkus.security.ForbiddenException;
import io.tracebridge.errors.ErrorBodies;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.nio.charset.StandardCharsets;

/**
 * OTLP/HTTP edge: {@code POST /v1/traces} with protobuf or JSON bodies, optionally gzip or
 * deflate. It reads headers, decodes and delegates; responses use the request's encoding.
 */
@Tag(name = "OTLP", description = "OpenTelemetry protocol receiver")
@Path("/v1/traces")
public class OtlpHttpResource {
    static final String EXPERIMENT_HEADER = "x-mlflow-experiment-id";

    private final IngestService ingest;
    private final OtlpDecoder decoder;

    private final Access access;

    public OtlpHttpResource(IngestService ingest, TracebridgeConfig config, Access access) {
        this.ingest = ingest;
        this.access = access;
        this.decoder = new OtlpDecoder(config.ingest().maxDecompressedBytes());
    }

    @Operation(summary = "OTLP/HTTP trace export (application/x-protobuf or application/json, gzip/deflate); experiment from x-mlflow-experiment-id")
    @RolesAllowed(Roles.WRITE)
    @POST
    @Consumes("*/*")
    public Uni<Response> export(byte[] body,
                                @HeaderParam("Content-Type") String contentType,
                                @HeaderParam("Content-Encoding") String contentEncoding,
                                @HeaderParam(EXPERIMENT_HEADER) String experimentId,
                                io.vertx.ext.web.RoutingContext routing) {
        // Taken by OtlpHttpAdmission before the body was read; the decoder grows it.
        ByteBudget.Reservation reservation = routing == null ? null : routing.get(OtlpHttpAdmission.RESERVATION_KEY);
        OtlpEncoding encoding = OtlpEncoding.fromContentType(contentType);
        if (encoding == null) {
            return Uni.createFrom().item(error(OtlpEncoding.JSON, new OtlpException(
                    OtlpException.Kind.UNSUPPORTED_MEDIA_TYPE, "Unsupported Content-Type: " + contentType
                    + ". Expected application/x-protobuf or application/json")));
        }
        var caller = access.caller();
        if (reservation != null) {
            // From here the ingest owns the reservation and closes it when its work has ended,
            // not when the client goes away (OtlpHttpAdmission's end handler leaves it alone).
            routing.put(OtlpHttpAdmission.CLAIMED_KEY, Boolean.TRUE);
        }
        return ingest.ingest(IngestMetrics.Transport.HTTP, caller, experimentId,
                        () -> decoder.decode(body == null ? new byte[0] : body, encoding, contentEncoding, reservation),
                        reservation)
                .map(result -> success(encoding, result))
                .onFailure(OtlpException.class).recoverWithItem(t -> error(encoding, (OtlpException) t));
    }

    /** A token without the write role: an OTLP status (PERMISSION_DENIED) in the request's encoding. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, HttpHeaders headers, ResourceInfo resource) {
        OtlpEncoding encoding = OtlpEncoding.fromContentType(headers.getHeaderString(HttpHeaders.CONTENT_TYPE));
        return error(encoding == null ? OtlpEncoding.JSON : encoding, new OtlpException(
                OtlpException.Kind.PERMISSION_DENIED, Access.forbiddenMessage(resource)));
    }

    private static Response success(OtlpEncoding encoding, IngestResult result) {
        ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
        if (result.hasPartialSuccess()) {
            b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                    .setRejectedSpans(result.rejectedSpans())
                    .setErrorMessage(result.errorMessage()));
        }
        return body(Response.ok(), encoding, b.build());
    }

    static Response error(OtlpEncoding encoding, OtlpException e) {
        return ErrorBodies.otlp(encoding == OtlpEncoding.PROTOBUF, e.kind().failure(), e.getMessage());
    }

    private static Response body(Response.ResponseBuilder r, OtlpEncoding encoding, Message message) {
        if (encoding == OtlpEncoding.JSON) {
            return r.type(encoding.mediaType())
                    .entity(OtlpJson.print(message).getBytes(StandardCharsets.UTF_8)).build();
        }
        return r.type(encoding.mediaType()).entity(message.toByteArray()).build();
    }
}
