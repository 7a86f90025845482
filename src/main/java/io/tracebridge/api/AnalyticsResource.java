package io.tracebridge.api;

import jakarta.annotation.security.RolesAllowed;
import io.tracebridge.security.Roles;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.smallrye.mutiny.Uni;
import io.tracebridge.analytics.ExperimentActivity;
import io.tracebridge.analytics.FeedbackSummary;
import io.tracebridge.analytics.GroupCursor;
import io.tracebridge.analytics.GroupOrder;
import io.tracebridge.analytics.GroupKey;
import io.tracebridge.analytics.GroupStats;
import io.tracebridge.analytics.Grouping;
import io.tracebridge.analytics.Page;
import io.tracebridge.analytics.SessionTurn;
import io.tracebridge.analytics.TimeRange;
import io.tracebridge.analytics.TimelinePoint;
import io.tracebridge.model.MlflowException;
import io.tracebridge.search.PageSize;
import io.tracebridge.security.Access;
import io.tracebridge.store.AnalyticsStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Tracebridge's analytics endpoints behind the trace explorer (docs/analytics-api.md): sessions,
 * a session's turns, users, and feedback aggregates, each scoped to an experiment and a range
 * of trace request times. A deleted experiment answers as one without traces until restored.
 */
@Tag(name = "Analytics", description = "Sessions, users and feedback aggregates of an experiment")
@Path("/api/tracebridge/v1/analytics")
@Produces(MediaType.APPLICATION_JSON)
public class AnalyticsResource {
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 500;

    private final AnalyticsStore store;
    private final Access access;

    public AnalyticsResource(AnalyticsStore store, Access access) {
        this.store = store;
        this.access = access;
    }

    /** Traces counted per experiment at most (p95 17 ms at 1 M traces); beyond, the picker says "10,000+". */
    static final int TRACE_COUNT_CAP = 10_000;
    private static final int MAX_EXPERIMENTS = 1000;

    @Operation(summary = "Active experiments, most recently active first, with their trace count (exact up to 10,000) "
            + "and the request time of their newest trace: the explorer's experiment picker")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/experiments")
    public Uni<ObjectNode> experiments(@QueryParam("max_results") String maxResults) {
        int limit = PageSize.of(Requests.integer(maxResults, "max_results"), MAX_EXPERIMENTS, MAX_EXPERIMENTS);
        var caller = access.caller();
        return store.experimentActivity(caller.restricted() ? caller.experiments() : null, limit, TRACE_COUNT_CAP)
                .map(list -> {
                    ObjectNode n = Json.object();
                    ArrayNode arr = n.putArray("experiments");
                    for (ExperimentActivity a : list) {
                        ObjectNode o = arr.addObject();
                        o.put("experiment_id", String.valueOf(a.experimentId()));
                        o.put("name", a.name());
                        o.put("trace_count", a.traceCount());
                        o.put("trace_count_capped", a.countCapped());
                        if (a.lastTraceTimeMs() == null) {
                            o.putNull("last_trace_time_ms");
                        } else {
                            o.put("last_trace_time_ms", a.lastTraceTimeMs());
                        }
                    }
                    return n;
                });
    }

    @Operation(summary = "Sessions of an experiment in a time range, most recently active first or sorted by order_by "
            + "(traces, error_count, total_tokens, cost, p95_latency_ms, last_activity; ASC or DESC): turns, users, "
            + "errors, tokens, cost, latency, feedback summary")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/sessions")
    public Uni<ObjectNode> sessions(@QueryParam("experiment_id") String experimentId,
                                    @QueryParam("start_time_ms") String start, @QueryParam("end_time_ms") String end,
                                    @QueryParam("user_id") String userId, @QueryParam("max_results") String maxResults,
                                    @QueryParam("page_token") String pageToken, @QueryParam("order_by") String orderBy) {
        TimeRange range = range(experimentId, start, end);
        int limit = PageSize.of(Requests.integer(maxResults, "max_results"), DEFAULT_PAGE, MAX_PAGE);
        String user = Requests.blankToNull(userId);
        GroupOrder order = GroupOrder.parse(orderBy);
        String fingerprint = GroupCursor.fingerprint(Grouping.SESSION, range, user, order);
        return store.requireExperiment(range.experimentId())
                .chain(active -> active ? store.groups(Grouping.SESSION, range, user, limit,
                                GroupCursor.decode(pageToken, fingerprint, order), order)
                        : Uni.createFrom().item(new Page<GroupStats>(List.of(), null)))
                .map(page -> page(page, fingerprint, "sessions", s -> {
                    ObjectNode n = Json.object();
                    n.put("session_id", s.id());
                    times(n, s);
                    n.put("turns", s.traces());
                    ArrayNode users = n.putArray("users");
                    s.others().forEach(users::add);
                    n.put("user_count", s.otherCount());
                    n.put("error_count", s.errorCount());
                    usage(n, s.usage());
                    n.set("feedback", summaries(s.feedback(), false));
                    return n;
                }));
    }

    @Operation(summary = "A session's traces in request order, with their request/response previews and feedback")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/sessions/{session_id}")
    public Uni<ObjectNode> session(@PathParam("session_id") String sessionId,
                                   @QueryParam("experiment_id") String experimentId,
                                   @QueryParam("start_time_ms") String start, @QueryParam("end_time_ms") String end) {
        TimeRange range = range(experimentId, start, end);
        return store.requireExperiment(range.experimentId())
                .chain(active -> active ? store.sessionTurns(range, sessionId) : Uni.createFrom().item(List.<SessionTurn>of()))
                .map(turns -> {
                    ObjectNode n = Json.object();
                    n.put("session_id", sessionId);
                    boolean truncated = turns.size() > SessionTurn.MAX_TURNS;
                    n.put("truncated", truncated);
                    ArrayNode arr = n.putArray("traces");
                    turns.stream().limit(SessionTurn.MAX_TURNS).forEach(t -> arr.add(turn(t)));
                    return n;
                });
    }

    @Operation(summary = "Users of an experiment in a time range, most recently seen first or sorted by order_by "
            + "(traces, error_count, total_tokens, cost, p95_latency_ms, last_activity; ASC or DESC): traces, sessions, "
            + "errors, tokens, cost, latency, feedback summary")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/users")
    public Uni<ObjectNode> users(@QueryParam("experiment_id") String experimentId,
                                 @QueryParam("start_time_ms") String start, @QueryParam("end_time_ms") String end,
                                 @QueryParam("max_results") String maxResults,
                                 @QueryParam("page_token") String pageToken, @QueryParam("order_by") String orderBy) {
        TimeRange range = range(experimentId, start, end);
        int limit = PageSize.of(Requests.integer(maxResults, "max_results"), DEFAULT_PAGE, MAX_PAGE);
        GroupOrder order = GroupOrder.parse(orderBy);
        String fingerprint = GroupCursor.fingerprint(Grouping.USER, range, null, order);
        return store.requireExperiment(range.experimentId())
                .chain(active -> active ? store.groups(Grouping.USER, range, null, limit,
                                GroupCursor.decode(pageToken, fingerprint, order), order)
                        : Uni.createFrom().item(new Page<GroupStats>(List.of(), null)))
                .map(page -> page(page, fingerprint, "users", u -> {
                    ObjectNode n = Json.object();
                    n.put("user_id", u.id());
                    n.put("traces", u.traces());
                    n.put("sessions", u.otherCount());
                    n.put("first_time_ms", u.firstTimeMs());
                    n.put("last_seen_ms", u.lastTimeMs());
                    n.put("error_count", u.errorCount());
                    usage(n, u.usage());
                    n.set("feedback", summaries(u.feedback(), false));
                    return n;
                }));
    }

    @Operation(summary = "Feedback count, positive/negative share and numeric mean per feedback name, optionally grouped by a metadata or tag value")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/feedback")
    public Uni<ObjectNode> feedback(@QueryParam("experiment_id") String experimentId,
                                    @QueryParam("start_time_ms") String start, @QueryParam("end_time_ms") String end,
                                    @QueryParam("group_by") String groupBy, @QueryParam("name") String name) {
        TimeRange range = range(experimentId, start, end);
        GroupKey key = GroupKey.parse(groupBy);
        return store.requireExperiment(range.experimentId())
                .chain(active -> active ? store.feedback(range, key, Requests.blankToNull(name))
                        : Uni.createFrom().item(List.<FeedbackSummary>of()))
                .map(list -> {
                    ObjectNode n = Json.object();
                    if (key == null) {
                        n.putNull("group_by");
                    } else {
                        n.put("group_by", key.display());
                    }
                    n.set("feedback", summaries(list, true));
                    return n;
                });
    }

    @Operation(summary = "Feedback per hour or day bucket of trace time, for a chart of positive share over time")
    @RolesAllowed(Roles.READ)
    @GET
    @Path("/feedback/timeline")
    public Uni<ObjectNode> timeline(@QueryParam("experiment_id") String experimentId,
                                    @QueryParam("start_time_ms") String start, @QueryParam("end_time_ms") String end,
                                    @QueryParam("name") String name, @QueryParam("interval") String interval) {
        TimeRange range = range(experimentId, start, end);
        long intervalMs = switch (interval == null || interval.isBlank() ? "day" : interval.trim().toLowerCase(Locale.ROOT)) {
            case "hour" -> 3_600_000L;
            case "day" -> 86_400_000L;
            default -> throw MlflowException.invalid("Invalid interval '" + interval + "'. Valid values are hour, day");
        };
        return store.requireExperiment(range.experimentId())
                .chain(active -> active ? store.timeline(range, Requests.blankToNull(name), intervalMs)
                        : Uni.createFrom().item(List.<TimelinePoint>of()))
                .map(points -> {
                    ObjectNode n = Json.object();
                    n.put("interval_ms", intervalMs);
                    ArrayNode arr = n.putArray("points");
                    points.forEach(p -> {
                        ObjectNode o = summary(p.summary(), false);
                        o.put("bucket_start_ms", p.bucketStartMs());
                        arr.add(o);
                    });
                    return n;
                });
    }

    private TimeRange range(String experimentId, String start, String end) {
        long exp = Requests.experimentId(experimentId);
        access.caller().requireExperiment(exp);
        return new TimeRange(exp, longParam(start, "start_time_ms"), longParam(end, "end_time_ms"));
    }

    private static Long longParam(String value, String name) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw MlflowException.invalid("Invalid value '" + value + "' for parameter '" + name
                    + "': expected epoch milliseconds");
        }
    }

    /** The page's items, and the token of the next page bound to this list's {@code fingerprint}. */
    private static <T> ObjectNode page(Page<T> page, String fingerprint, String field, Function<T, ObjectNode> json) {
        ObjectNode n = Json.object();
        ArrayNode arr = n.putArray(field);
        page.items().forEach(i -> arr.add(json.apply(i)));
        if (page.next() != null) {
            n.put("next_page_token", page.next().encode(fingerprint));
        }
        return n;
    }

    /** Tokens, cost (null when no token was priced) and latency percentiles (null when no trace finished). */
    private static void usage(ObjectNode n, GroupStats.Usage u) {
        n.put("input_tokens", u.inputTokens());
        n.put("output_tokens", u.outputTokens());
        n.put("total_tokens", u.totalTokens());
        n.put("cost", u.cost());
        n.put("unpriced_tokens", u.unpricedTokens());
        n.put("p50_latency_ms", u.p50LatencyMs());
        n.put("p95_latency_ms", u.p95LatencyMs());
    }

    private static void times(ObjectNode n, GroupStats s) {
        n.put("first_time_ms", s.firstTimeMs());
        n.put("last_time_ms", s.lastTimeMs());
    }

    private static ArrayNode summaries(List<FeedbackSummary> list, boolean grouped) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        list.forEach(s -> arr.add(summary(s, grouped)));
        return arr;
    }

    private static ObjectNode summary(FeedbackSummary s, boolean grouped) {
        ObjectNode n = Json.object();
        n.put("name", s.name());
        if (grouped) {
            n.put("group", s.group());
        }
        n.put("count", s.count());
        n.put("positive", s.positive());
        n.put("negative", s.negative());
        n.put("positive_share", s.positiveShare());
        n.put("mean", s.mean());
        return n;
    }

    private static ObjectNode turn(SessionTurn t) {
        ObjectNode n = Json.object();
        n.put("trace_id", t.traceId());
        n.put("request_time_ms", t.requestTimeMs());
        n.put("execution_duration_ms", t.endTimeMs() == null ? null : t.endTimeMs() - t.requestTimeMs());
        n.put("state", t.state());
        n.put("user_id", t.userId());
        n.put("client_request_id", t.clientRequestId());
        n.put("request_preview", t.requestPreview());
        n.put("response_preview", t.responsePreview());
        ArrayNode fb = n.putArray("feedback");
        for (SessionTurn.Feedback f : t.feedback()) {
            ObjectNode o = Json.object();
            o.put("assessment_id", f.assessmentId());
            o.put("name", f.name());
            if (f.valueJson() == null) {
                o.putNull("value");
            } else {
                o.putRawValue("value", new RawValue(f.valueJson()));
            }
            o.put("rationale", f.rationale());
            o.put("source_type", f.sourceType());
            o.put("source_id", f.sourceId());
            o.put("create_time_ms", f.createTimeMs());
            fb.add(o);
        }
        return n;
    }
}
