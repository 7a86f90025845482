package io.tracebridge.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracebridge.model.MlflowException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Page token of the sessions and users lists and a fingerprint of the query, so a token is
 * refused on a different list, experiment, range, filter or order. In the default order (most
 * recently active first) it holds the last entry's (last time, ID); sorted by another column, the
 * number of entries already listed ({@code offset}, at most {@link #MAX_OFFSET}).
 */
public record GroupCursor(long lastTimeMs, String id, int offset) {
    private static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;
    /** How far a sorted list pages: beyond, the range or the filter has to be narrowed. */
    public static final int MAX_OFFSET = 10_000;

    public GroupCursor(long lastTimeMs, String id) {
        this(lastTimeMs, id, 0);
    }

    public static GroupCursor atOffset(int offset) {
        return new GroupCursor(0, null, offset);
    }

    /** What a token of this list is bound to: the grouping, the experiment and range, the user filter. */
    public static String fingerprint(Grouping grouping, TimeRange range, String userId) {
        return grouping + "|" + range + "|" + userId;
    }

    /** The same, for a list in an order other than the default. */
    public static String fingerprint(Grouping grouping, TimeRange range, String userId, GroupOrder order) {
        return order.isDefault() ? fingerprint(grouping, range, userId) : fingerprint(grouping, range, userId) + "|" + order;
    }

    public String encode(String fingerprint) {
        ObjectNode n = MAPPER.createObjectNode();
        if (id == null) {
            n.put("o", offset);
        } else {
            n.put("t", lastTimeMs).put("k", id);
        }
        n.put("q", fingerprint);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param order the list's order: the default one pages by keyset, any other by offset, and a
     *              token of the other kind is refused like one of another list
     */
    public static GroupCursor decode(String token, String fingerprint, GroupOrder order) {
        if (token == null || token.isBlank()) {
            return null;
        }
        try {
            JsonNode n = MAPPER.readTree(Base64.getUrlDecoder().decode(token.trim()));
            boolean keyset = n != null && n.path("t").canConvertToLong() && n.path("k").isTextual();
            boolean offset = n != null && n.path("o").isInt() && n.path("o").intValue() > 0
                    && n.path("o").intValue() <= MAX_OFFSET;
            if (keyset == offset) {
                throw MlflowException.invalid("Invalid page token");
            }
            if (!fingerprint.equals(n.path("q").asText()) || keyset != order.isDefault()) {
                throw MlflowException.invalid("Invalid page token: it belongs to a different list "
                        + "(experiment, time range, filter or order changed).");
            }
            return keyset ? new GroupCursor(n.path("t").asLong(), n.path("k").asText()) : atOffset(n.path("o").intValue());
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw MlflowException.invalid("Invalid page token");
        }
    }

    /** True when an entry with this last time and ID comes after the cursor (newest first, then ID descending). */
    public boolean before(long lastMs, String otherId) {
        return lastMs < lastTimeMs || (lastMs == lastTimeMs && otherId.compareTo(id) < 0);
    }
}
