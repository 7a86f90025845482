package io.tracebridge.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracebridge.model.MlflowException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Page token of the sessions and users lists: the last entry's (last time, ID) and a fingerprint
 * of the query, so a token is refused on a different list, experiment, range or filter.
 */
public record GroupCursor(long lastTimeMs, String id) {
    private static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;

    /** What a token of this list is bound to: the grouping, the experiment and range, the user filter. */
    public static String fingerprint(Grouping grouping, TimeRange range, String userId) {
        return grouping + "|" + range + "|" + userId;
    }

    public String encode(String fingerprint) {
        ObjectNode n = MAPPER.createObjectNode().put("t", lastTimeMs).put("k", id).put("q", fingerprint);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static GroupCursor decode(String token, String fingerprint) {
        if (token == null || token.isBlank()) {
            return null;
        }
        try {
            JsonNode n = MAPPER.readTree(Base64.getUrlDecoder().decode(token.trim()));
            if (n == null || !n.path("t").canConvertToLong() || !n.path("k").isTextual()) {
                throw MlflowException.invalid("Invalid page token");
            }
            if (!fingerprint.equals(n.path("q").asText())) {
                throw MlflowException.invalid("Invalid page token: it belongs to a different list "
                        + "(experiment, time range or filter changed).");
            }
            return new GroupCursor(n.path("t").asLong(), n.path("k").asText());
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw MlflowException.invalid("Invalid page token");
        }
    }

    /** True when an entry with this last time and ID comes after the cursor (newest first, then ID descending). */
    public boolean before(long lastMs, String otherId) {
        return lastMs < lastTimeMs || (lastMs == lastTimeMs && otherId.compareTo(id) < 0);
    }
}
