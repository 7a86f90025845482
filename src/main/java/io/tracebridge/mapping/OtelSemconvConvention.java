package io.tracebridge.mapping;

/**
 * OpenTelemetry general semantic conventions: {@code session.id}, {@code user.id},
 * {@code enduser.id} and the {@code x-request-id} header captured by HTTP instrumentation
 * ({@code http.request.header.x-request-id}, a string array) as client request ID.
 */
public final class OtelSemconvConvention implements AttributeConvention {
    @Override
    public void apply(SpanView span, TraceDraft draft) {
        MlflowConvention.offerId(span, draft, "session.id", TraceDraft.Field.SESSION, 1);
        MlflowConvention.offerId(span, draft, "user.id", TraceDraft.Field.USER, 1);
        MlflowConvention.offerId(span, draft, "enduser.id", TraceDraft.Field.USER, 2);
        MlflowConvention.offerId(span, draft, "http.request.header.x-request-id",
                TraceDraft.Field.CLIENT_REQUEST_ID, 2);
    }
}
