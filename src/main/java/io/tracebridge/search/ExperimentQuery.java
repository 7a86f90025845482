package io.tracebridge.search;

import java.util.List;

/**
 * A validated experiment search: HQL conditions with their named parameters, an ORDER BY list,
 * the lifecycle stages to include, and offset paging.
 */
public record ExperimentQuery(
        List<String> conditions,
        java.util.Map<String, Object> parameters,
        List<String> orderBy,
        List<String> lifecycleStages,
        int offset,
        int maxResults) {
}
