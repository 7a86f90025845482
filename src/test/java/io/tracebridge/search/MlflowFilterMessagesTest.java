package io.tracebridge.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.MlflowException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Invalid trace-search filters and order_by clauses get MLflow's exact message text (MLflow
 * 3.6, {@code mlflow/utils/search_utils.py} class {@code SearchTraceUtils} and the trace-search
 * part of {@code mlflow/store/tracking/sqlalchemy_store.py}).
 *
 * <p>MLflow prints Python sets; their element order changes with each Python process (string
 * hashing is randomised). Tracebridge prints the elements in the order MLflow's source declares
 * them (for a union {@code a | b}: a's elements, then b's). MLflow's own tests never fix an order:
 * they match a prefix ({@code pytest.raises(match=...)}, a regular-expression search) or build
 * the text from the same set, so {@link #mlflowTestPatternsStillMatch} checks those patterns.
 */
class MlflowFilterMessagesTest {
    static final String STRING_ATTRIBUTE_SET = "{'!=', '=', 'IN', 'NOT IN', 'LIKE', 'ILIKE', 'RLIKE'}";
    static final String TAG_SET = "{'!=', '=', 'LIKE', 'ILIKE', 'RLIKE'}";
    static final String SEARCH_KEYS = "{'request_id', 'timestamp', 'timestamp_ms', 'execution_time', "
            + "'execution_time_ms', 'end_time', 'end_time_ms', 'status', 'client_request_id', 'name', 'run_id', 'text'}";
    static final String ORDER_BY_KEYS = "{'experiment_id', 'timestamp', 'timestamp_ms', 'execution_time', "
            + "'execution_time_ms', 'end_time', 'end_time_ms', 'status', 'request_id', 'name', 'run_id'}";
    static final String IDENTIFIERS = "{'tag', 'request_metadata', 'attribute', 'span', 'feedback', 'expectation', "
            + "'tags', 'attributes', 'trace', 'metadata'}";
    static final String NUMERIC_ATTRIBUTES = "{'timestamp_ms', 'timestamp', 'execution_time_ms', 'execution_time', "
            + "'end_time_ms', 'end_time'}";
    static final String IN_ATTRIBUTES = "{'name', 'status', 'request_id', 'run_id', 'client_request_id'}";

    static Stream<Arguments> filters() {
        return Stream.of(
                // search_utils.py SearchTraceUtils.is_request_metadata (called by sqlalchemy_store.py
                // _get_filter_clauses_for_search_traces): metadata takes the tag comparators; closing quote.
                Arguments.of("metadata.user == 'x'", "Invalid comparator '==' not one of '" + TAG_SET + "'"),
                Arguments.of("request_metadata.`mlflow.user` > 'x'", "Invalid comparator '>' not one of '" + TAG_SET + "'"),
                Arguments.of("run_id != 'r1' AND run_id < 'r2'", "Invalid comparator '<' not one of '" + TAG_SET + "'"),
                // search_utils.py SearchUtils.is_tag: no closing quote after the set (as MLflow writes it).
                Arguments.of("tag.env > 'prod'", "Invalid comparator '>' not one of '" + TAG_SET),
                Arguments.of("tags.env IN ('a', 'b')", "Invalid comparator 'IN' not one of '" + TAG_SET),
                Arguments.of("tag.env <= 'prod'", "Invalid comparator '<=' not one of '" + TAG_SET),
                Arguments.of("tag.env not like 'p%'", "Invalid comparator 'NOT LIKE' not one of '" + TAG_SET),
                Arguments.of("trace.name < 'x'", "Invalid comparator '<' not one of '" + TAG_SET),
                // search_utils.py SearchUtils.is_string_attribute
                Arguments.of("trace.status > 'OK'", "Invalid comparator '>' not one of '" + STRING_ATTRIBUTE_SET + "'"),
                Arguments.of("attributes.request_id == 'tr-1'", "Invalid comparator '==' not one of '"
                        + STRING_ATTRIBUTE_SET + "'"),
                // search_utils.py SearchUtils.is_numeric_attribute: MLflow names the string comparators
                // here and leaves out the closing quote; Tracebridge writes it the same way.
                Arguments.of("trace.timestamp_ms LIKE 5", "Invalid comparator 'LIKE' not one of '" + STRING_ATTRIBUTE_SET),
                Arguments.of("execution_time ILIKE '5'", "Invalid comparator 'ILIKE' not one of '" + STRING_ATTRIBUTE_SET),
                // search_utils.py SearchTraceUtils.is_span
                Arguments.of("span.type > 'LLM'", "span.type comparator '>' not one of '" + STRING_ATTRIBUTE_SET + "'"),
                Arguments.of("span.attributes.model == 'gpt'", "span.attributes.model comparator '==' not one of '"
                        + STRING_ATTRIBUTE_SET + "'"),
                Arguments.of("span.content = 'x'", "span.content comparator '=' not one of '{'LIKE', 'ILIKE'}'"),
                Arguments.of("trace.text = 'error'", "span.content comparator '=' not one of '{'LIKE', 'ILIKE'}'"),
                Arguments.of("span.foo = 'x'", "Invalid span attribute 'foo'. Supported attributes: name, status, type, "
                        + "attributes.<attribute_name>."),
                Arguments.of("span.attributes. = 'x'", "Span attribute name cannot be empty after 'attributes.'"),
                // search_utils.py SearchTraceUtils.is_assessment
                Arguments.of("feedback.rating == 'good'", "assessment.rating comparator '==' not one of '"
                        + STRING_ATTRIBUTE_SET + "'"),
                Arguments.of("expectation.answer NOT LIKE 'x'", "assessment.answer comparator 'NOT LIKE' not one of '"
                        + STRING_ATTRIBUTE_SET + "'"),
                // search_utils.py SearchUtils._get_identifier
                Arguments.of("trace.foo = 'x'", "Invalid attribute key 'foo' specified. Valid keys are '" + SEARCH_KEYS + "'"),
                Arguments.of("foo = 'x'", "Invalid attribute key 'foo' specified. Valid keys are '" + SEARCH_KEYS + "'"),
                // search_utils.py SearchTraceUtils._valid_entity_type
                Arguments.of("assessment.quality = 'good'", "Invalid entity type 'assessment'. Valid values are " + IDENTIFIERS),
                Arguments.of("`params`.x = 'y'", "Invalid entity type 'params'. Valid values are " + IDENTIFIERS),
                // search_utils.py SearchTraceUtils._get_value
                Arguments.of("trace.status = 5", "Only the '" + NUMERIC_ATTRIBUTES
                        + "' attributes support comparison with numeric values."),
                Arguments.of("trace.timestamp_ms IN (1, 2)", "Only attributes in " + IN_ATTRIBUTES
                        + " supports comparison with a list of quoted string values."),
                Arguments.of("tag.env = 5", "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5"),
                Arguments.of("metadata.env = 5.5", "Expected a quoted string value for request_metadata (e.g. 'my-value'). "
                        + "Got value 5.5"),
                Arguments.of("metadata.env != ('a')", "Expected a quoted string value for request_metadata "
                        + "(e.g. 'my-value'). Got value ('a')"),
                Arguments.of("span.name = 5", "Expected a quoted string value for span (e.g. 'my-value'). Got value 5"),
                Arguments.of("feedback.rating IN ('good', 'bad')", "Expected a quoted string value for feedback "
                        + "(e.g. 'my-value'). Got value ('good', 'bad')"),
                // search_utils.py SearchUtils._strip_quotes (via SearchTraceUtils._get_value)
                Arguments.of("tag.env = production", "Parameter value is either not quoted or unidentified quote types "
                        + "used for string value production. Use either single or double quotes."),
                Arguments.of("trace.status = OK", "Parameter value is either not quoted or unidentified quote types "
                        + "used for string value OK. Use either single or double quotes."),
                Arguments.of("metadata.env = `prod`", "Parameter value is either not quoted or unidentified quote types "
                        + "used for string value `prod`. Use either single or double quotes."),
                // search_utils.py SearchUtils._parse_list_from_sql_token / _check_valid_identifier_list
                Arguments.of("trace.status IN ('OK', 1)", "While parsing a list in the query, expected string value, "
                        + "punctuation, or whitespace, but got different type in list: ('OK', 1)"),
                Arguments.of("span.type NOT IN ()", "While parsing a list in the query, expected a non-empty list of "
                        + "string values, but got empty list"),
                // Found by FilterCompilerFuzzTest: a number token Python cannot read (two points)
                // is an ill-formed list, not a NumberFormatException.
                Arguments.of("trace.name IN (1.2.3)", "While parsing a list in the query, expected a non-empty list of "
                        + "string values, but got ill-formed list."),
                // search_utils.py SearchTraceUtils._process_statement (tokens as MLflow's SQL tokenizer groups them)
                Arguments.of("trace.status = 'OK' OR trace.status = 'ERROR'", "Invalid clause(s) in filter string: 'OR'"),
                Arguments.of("trace.status = 'OK' foo", "Invalid clause(s) in filter string: 'trace.status = 'OK' foo'"),
                Arguments.of("trace.name IN 'a'", "Invalid clause(s) in filter string: 'trace.name', 'IN', ''a''"),
                Arguments.of("trace.status IS NULL", "Invalid clause(s) in filter string: 'trace.status', 'IS', 'NULL'"),
                Arguments.of("span.name IS NOT NULL", "Invalid clause(s) in filter string: 'span.name', 'IS', 'NOT NULL'"),
                Arguments.of("name 'a'", "Invalid clause(s) in filter string: 'name', ''a''"),
                Arguments.of("tag.env =", "Invalid clause(s) in filter string: 'tag.env', '='"),
                Arguments.of("= 'a'", "Invalid clause(s) in filter string: '=', ''a''"),
                // search_utils.py SearchUtils._validate_comparison
                Arguments.of("1 = 1", "Invalid comparison clause. Expected 'Identifier' found '1'"),
                // search_utils.py SearchUtils.parse_search_filter (the filter as Python's repr prints it)
                Arguments.of("trace.status = 'OK'; DROP TABLE x", "Search filter contained multiple expression "
                        + "\"trace.status = 'OK'; DROP TABLE x\". Provide AND-ed expression list."),
                // Not an MLflow message: MLflow 3.6 hands the string to the database. The wording is
                // SearchUtils._get_value's for numeric attributes of runs.
                Arguments.of("trace.timestamp_ms > 'yesterday'", "Expected numeric value type for numeric attribute: "
                        + "timestamp_ms. Found 'yesterday'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    void filterMessages(String filter, String message) {
        assertThat(error(filter, List.of())).isEqualTo(message);
    }

    static Stream<Arguments> orderBys() {
        return Stream.of(
                // search_utils.py SearchUtils._parse_order_by_string
                Arguments.of(List.of("timestamp_ms DOWN"), "Invalid ordering key in order_by clause 'timestamp_ms DOWN'."),
                Arguments.of(List.of("timestamp_ms DESC extra"),
                        "Invalid order_by clause 'timestamp_ms DESC extra'. Could not be parsed."),
                // search_utils.py SearchUtils._validate_order_by_and_generate_token
                Arguments.of(List.of("timestamp_ms > 5"), "Invalid order_by clause 'timestamp_ms > 5'. Could not be parsed."),
                Arguments.of(List.of(""), "Invalid order_by clause ''. Could not be parsed."),
                // search_utils.py SearchTraceUtils.parse_order_by_for_search_traces -> SearchUtils._get_identifier
                Arguments.of(List.of("foo DESC"), "Invalid attribute key 'foo' specified. Valid keys are '"
                        + ORDER_BY_KEYS + "'"),
                Arguments.of(List.of("trace.text"), "Invalid attribute key 'text' specified. Valid keys are '"
                        + ORDER_BY_KEYS + "'"),
                Arguments.of(List.of("bad.key ASC"), "Invalid entity type 'bad'. Valid values are " + IDENTIFIERS),
                // sqlalchemy_store.py _get_orderby_clauses_for_search_traces
                Arguments.of(List.of("span.name"), "Invalid identifier type 'span'"),
                Arguments.of(List.of("name", "name DESC"), "`order_by` contains duplicate fields: ['name', 'name DESC']"),
                Arguments.of(List.of("timestamp", "timestamp_ms ASC"),
                        "`order_by` contains duplicate fields: ['timestamp', 'timestamp_ms ASC']"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orderBys")
    void orderByMessages(List<String> orderBy, String message) {
        assertThat(error(null, orderBy)).isEqualTo(message);
    }

    /**
     * The {@code match=} patterns (regular-expression searches) of MLflow's tests for these
     * messages: {@code tests/store/tracking/test_sqlalchemy_store.py} and
     * {@code tests/utils/test_search_utils.py}.
     */
    static Stream<Arguments> mlflowTestPatterns() {
        return Stream.of(
                Arguments.of("span.duration = \"1000\"", "Invalid span attribute 'duration'. Supported attributes: name, "
                        + "status, type, attributes.<attribute_name>."),
                Arguments.of("span.type < 'LLM'", "span.type comparator '<' not one of"),
                Arguments.of("tags.acc = LR", "value is either not quoted or unidentified quote types"),
                Arguments.of("tags.acc = `LR`", "value is either not quoted or unidentified quote types"),
                Arguments.of("tags.acc = = 'LR'", Pattern.quote("Invalid clause(s) in filter string")),
                Arguments.of("tags.acc = 'LR", Pattern.quote("Invalid clause(s) in filter string")),
                Arguments.of("foo is null", Pattern.quote("Invalid clause(s) in filter string")),
                Arguments.of("1=1", "Expected 'Identifier' found"),
                Arguments.of("acc >= 0.94", "Invalid attribute key"),
                Arguments.of("m.acc >= 0.94", "Invalid entity type"),
                Arguments.of("tags.acc = 5", "Expected a quoted string value for tag"),
                Arguments.of("trace.status = 'OK'; trace.name = 'x'", "Search filter contained multiple expression"),
                Arguments.of("tag.env >= 'a'", "Invalid comparator"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mlflowTestPatterns")
    void mlflowTestPatternsStillMatch(String filter, String regex) {
        assertThat(Pattern.compile(regex).matcher(error(filter, List.of())).find()).as(error(filter, List.of())).isTrue();
    }

    private static String error(String filter, List<String> orderBy) {
        MlflowException e = catchThrowableOfType(MlflowException.class,
                () -> TraceSearch.compile(List.of(1L), filter, orderBy, 10, null));
        assertThat(e).as("%s / %s is rejected", filter, orderBy).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE);
        return e.getMessage();
    }
}
