package io.tracebridge.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracebridge.model.MlflowException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Opaque page token for trace search: the sort-key values of the last row returned, and a
 * fingerprint of the query it belongs to. Keyset paging stays correct while traces arrive:
 * a new trace never shifts the rows of a later page.
 */
final class KeysetToken {
    private static final ObjectMapper MAPPER = io.tracebridge.model.SharedJson.MAPPER;

    private KeysetToken() {
    }

    static String encode(List<Object> lastRowKeys, String fingerprint) {
        ObjectNode n = MAPPER.createObjectNode();
        ArrayNode arr = n.putArray("k");
        for (Object o : lastRowKeys) {
            if (o == null) {
                arr.addNull();
            } else if (o instanceof Number num) {
                arr.add(num.longValue());
            } else {
                arr.add(o.toString());
            }
        }
        n.put("q", fingerprint);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The last row's key values; null for an absent token. */
    static List<Object> decode(String token, String fingerprint, List<SortKey> keys) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            JsonNode n = MAPPER.readTree(Base64.getUrlDecoder().decode(token.trim()));
            if (!fingerprint.equals(n.path("q").asText()) || !n.path("k").isArray() || n.path("k").size() != keys.size()) {
                throw MlflowException.invalid("Invalid page token: it belongs to a different search "
                        + "(filter, order_by or locations changed).");
            }
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                JsonNode v = n.path("k").get(i);
                if (v.isNull()) {
                    out.add(null);
                } else if (keys.get(i).numeric() && v.canConvertToLong()) {
                    out.add(v.asLong());
                } else if (!keys.get(i).numeric() && v.isTextual()) {
                    out.add(v.asText());
                } else {
                    throw MlflowException.invalid("Invalid page token: malformed sort key.");
                }
            }
            return out;
        } catch (MlflowException e) {
            throw e;
        } catch (Exception e) {
            throw MlflowException.invalid("Invalid page token, could not base64-decode or parse it: '" + token + "'");
        }
    }
}
