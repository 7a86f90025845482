package io.tracebridge.search;

import io.tracebridge.model.MlflowException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.stream.Collectors;

/**
 * MLflow's error messages for trace search, word for word: the message text is part of the
 * wire contract that MLflow's client and its users match on. Each method names the MLflow 3.6
 * function that writes the same text (in {@code mlflow/utils/search_utils.py} unless said
 * otherwise; {@code SearchTraceUtils} extends {@code SearchUtils}).
 *
 * <p>MLflow formats Python sets, lists, tuples and strings with {@code str()}/{@code repr()}.
 * Sets of strings print in an order that changes with each Python process (string hashing is
 * randomised), so no client can rely on it; Tracebridge prints the elements in the order
 * MLflow's source declares them, and for a union {@code a | b} the elements of {@code a}
 * first. Strings are quoted the way Python's {@code repr} quotes them.
 */
final class MlflowMessages {
    /** {@code SearchTraceUtils.VALID_SEARCH_ATTRIBUTE_KEYS}. Tracebridge also accepts {@code prompt}. */
    static final List<String> SEARCH_ATTRIBUTE_KEYS = List.of("request_id", "timestamp", "timestamp_ms",
            "execution_time", "execution_time_ms", "end_time", "end_time_ms", "status", "client_request_id",
            "name", "run_id", "text");
    /** {@code SearchTraceUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS}. Tracebridge also accepts {@code client_request_id}. */
    static final List<String> ORDER_BY_ATTRIBUTE_KEYS = List.of("experiment_id", "timestamp", "timestamp_ms",
            "execution_time", "execution_time_ms", "end_time", "end_time_ms", "status", "request_id", "name",
            "run_id");
    /** {@code SearchTraceUtils.NUMERIC_ATTRIBUTES}. */
    static final List<String> NUMERIC_ATTRIBUTES = List.of("timestamp_ms", "timestamp", "execution_time_ms",
            "execution_time", "end_time_ms", "end_time");
    /** {@code SearchTraceUtils.SUPPORT_IN_COMPARISON_ATTRIBUTE_KEYS}. */
    static final List<String> IN_ATTRIBUTE_KEYS = List.of("name", "status", "request_id", "run_id",
            "client_request_id");
    /**
     * {@code SearchTraceUtils._VALID_IDENTIFIERS = _IDENTIFIERS | set(_ALTERNATE_IDENTIFIERS.keys())}.
     * Tracebridge also accepts these in any case, and {@code issue} (newer MLflow has it).
     */
    static final List<String> IDENTIFIERS = List.of("tag", "request_metadata", "attribute", "span", "feedback",
            "expectation", "tags", "attributes", "trace", "metadata");
    /** {@code SearchTraceUtils.VALID_STRING_ATTRIBUTE_COMPARATORS}. */
    static final List<String> STRING_ATTRIBUTE_COMPARATORS = List.of("!=", "=", "IN", "NOT IN", "LIKE", "ILIKE",
            "RLIKE");
    /** {@code SearchTraceUtils.VALID_TAG_COMPARATORS}; request metadata takes the same. */
    static final List<String> TAG_COMPARATORS = List.of("!=", "=", "LIKE", "ILIKE", "RLIKE");
    /** {@code SearchTraceUtils.VALID_SPAN_ATTRIBUTE_COMPARATORS}. */
    static final List<String> SPAN_ATTRIBUTE_COMPARATORS = List.of("!=", "=", "IN", "NOT IN", "LIKE", "ILIKE",
            "RLIKE");
    /** {@code SearchTraceUtils.VALID_SPAN_CONTENT_COMPARATORS}. */
    static final List<String> SPAN_CONTENT_COMPARATORS = List.of("LIKE", "ILIKE");

    private MlflowMessages() {
    }

    // ---- comparators (SearchTraceUtils.is_* as sqlalchemy_store._get_filter_clauses_for_search_traces calls them)

    /** {@code SearchUtils.is_string_attribute}. */
    static MlflowException stringAttributeComparator(String op) {
        return MlflowException.invalid("Invalid comparator '" + op + "' not one of '"
                + pySet(STRING_ATTRIBUTE_COMPARATORS) + "'");
    }

    /**
     * {@code SearchUtils.is_numeric_attribute}. MLflow names the string comparators here and
     * leaves out the closing quote; so does Tracebridge.
     */
    static MlflowException numericAttributeComparator(String op) {
        return MlflowException.invalid("Invalid comparator '" + op + "' not one of '"
                + pySet(STRING_ATTRIBUTE_COMPARATORS));
    }

    /** {@code SearchUtils.is_tag} (no closing quote, as MLflow writes it). */
    static MlflowException tagComparator(String op) {
        return MlflowException.invalid("Invalid comparator '" + op + "' not one of '" + pySet(TAG_COMPARATORS));
    }

    /** {@code SearchTraceUtils.is_request_metadata}. */
    static MlflowException metadataComparator(String op) {
        return MlflowException.invalid("Invalid comparator '" + op + "' not one of '" + pySet(TAG_COMPARATORS) + "'");
    }

    /** {@code SearchTraceUtils.is_span}: {@code span.<key>} with name, type, status or attributes.<name>. */
    static MlflowException spanComparator(String key, String op) {
        return MlflowException.invalid("span." + key + " comparator '" + op + "' not one of '"
                + pySet(SPAN_ATTRIBUTE_COMPARATORS) + "'");
    }

    /** {@code SearchTraceUtils.is_span}: {@code span.content} (also {@code trace.text}, which maps to it). */
    static MlflowException spanContentComparator(String op) {
        return MlflowException.invalid("span.content comparator '" + op + "' not one of '"
                + pySet(SPAN_CONTENT_COMPARATORS) + "'");
    }

    /** {@code SearchTraceUtils.is_span}. */
    static MlflowException invalidSpanAttribute(String key) {
        return MlflowException.invalid("Invalid span attribute '" + key
                + "'. Supported attributes: name, status, type, attributes.<attribute_name>.");
    }

    /** {@code SearchTraceUtils.is_span}. */
    static MlflowException emptySpanAttribute() {
        return MlflowException.invalid("Span attribute name cannot be empty after 'attributes.'");
    }

    /** {@code SearchTraceUtils.is_assessment}: it checks against the string-attribute comparators. */
    static MlflowException assessmentComparator(String key, String op) {
        return MlflowException.invalid("assessment." + key + " comparator '" + op + "' not one of '"
                + pySet(STRING_ATTRIBUTE_COMPARATORS) + "'");
    }

    /** {@code SearchTraceUtils.is_assessment}. */
    static MlflowException emptyAssessmentName() {
        return MlflowException.invalid("Assessment field name cannot be empty");
    }

    // ---- identifiers (SearchUtils._get_identifier, SearchTraceUtils._valid_entity_type)

    /** {@code SearchTraceUtils._valid_entity_type}: the set prints without quotes around it. */
    static MlflowException invalidEntityType(String entityType) {
        return MlflowException.invalid("Invalid entity type '" + entityType + "'. Valid values are "
                + pySet(IDENTIFIERS));
    }

    /** {@code SearchUtils._get_identifier} with {@code VALID_SEARCH_ATTRIBUTE_KEYS} or the order_by keys. */
    static MlflowException invalidAttributeKey(String key, List<String> validKeys) {
        return MlflowException.invalid("Invalid attribute key '" + key + "' specified. Valid keys are '"
                + pySet(validKeys) + "'");
    }

    // ---- values (SearchTraceUtils._get_value, SearchUtils._strip_quotes, list parsing)

    /** {@code SearchUtils._strip_quotes(value, expect_quoted_value=True)}: an unquoted word. */
    static MlflowException notQuoted(String value) {
        return MlflowException.invalid("Parameter value is either not quoted or unidentified quote types used for "
                + "string value " + value + ". Use either single or double quotes.");
    }

    /**
     * {@code SearchTraceUtils._get_value} for tag, request_metadata, span, feedback and
     * expectation: {@code identifierType} is MLflow's type name ({@code request_metadata} also
     * for the {@code metadata.} prefix); {@code value} is the value as written.
     */
    static MlflowException expectedQuotedString(String identifierType, String value) {
        return MlflowException.invalid("Expected a quoted string value for " + identifierType
                + " (e.g. 'my-value'). Got value " + value);
    }

    /** {@code SearchTraceUtils._get_value}: a number compared with a string attribute. */
    static MlflowException numberForStringAttribute() {
        return MlflowException.invalid("Only the '" + pySet(NUMERIC_ATTRIBUTES)
                + "' attributes support comparison with numeric values.");
    }

    /** {@code SearchTraceUtils._get_value}: a list compared with an attribute that takes none. */
    static MlflowException listForAttribute() {
        return MlflowException.invalid("Only attributes in " + pySet(IN_ATTRIBUTE_KEYS)
                + " supports comparison with a list of quoted string values.");
    }

    /**
     * Not an MLflow trace-search message: MLflow 3.6 hands a string compared with a numeric trace
     * attribute to the database. The words are {@code SearchUtils._get_value}'s for numeric run
     * attributes; {@code value} is the value as written, quotes included.
     */
    static MlflowException expectedNumericAttribute(String key, String value) {
        return MlflowException.invalid("Expected numeric value type for numeric attribute: " + key + ". Found " + value);
    }

    /** {@code SearchUtils._check_valid_identifier_list}: {@code ()}. */
    static String emptyList() {
        return "While parsing a list in the query, expected a non-empty list of string values, but got empty list";
    }

    /** {@code SearchUtils._check_valid_identifier_list}: {@code tuple} is the list as Python prints the tuple. */
    static String nonStringInList(String tuple) {
        return "While parsing a list in the query, expected string value, punctuation, or whitespace, but got "
                + "different type in list: " + tuple;
    }

    /** {@code SearchUtils._parse_list_from_sql_token}: a list Python cannot read as a literal. */
    static String illFormedList() {
        return "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.";
    }

    // ---- statements (SearchTraceUtils._process_statement, SearchUtils.parse_search_filter)

    /** {@code SearchTraceUtils._process_statement}: each token MLflow's SQL tokenizer left outside a comparison. */
    static MlflowException invalidClauses(List<String> tokens) {
        return MlflowException.invalid("Invalid clause(s) in filter string: "
                + tokens.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", ")));
    }

    /** {@code SearchUtils.parse_search_filter}: more than one statement (a {@code ;}). */
    static MlflowException multipleExpressions(String filter) {
        return MlflowException.invalid("Search filter contained multiple expression " + pyStr(filter)
                + ". Provide AND-ed expression list.");
    }

    /** {@code SearchUtils._validate_comparison}: a comparison that does not start with an identifier. */
    static MlflowException expectedIdentifier(String token) {
        return MlflowException.invalid("Invalid comparison clause. Expected 'Identifier' found '" + token + "'");
    }

    // ---- order_by (SearchUtils._parse_order_by_string, sqlalchemy_store._get_orderby_clauses_for_search_traces)

    /** {@code SearchUtils._validate_order_by_and_generate_token} / {@code _parse_order_by_string}. */
    static MlflowException orderByNotParsed(String clause) {
        return MlflowException.invalid("Invalid order_by clause '" + clause + "'. Could not be parsed.");
    }

    /** {@code SearchUtils._parse_order_by_string}: a direction other than ASC or DESC. */
    static MlflowException invalidOrderingKey(String clause) {
        return MlflowException.invalid("Invalid ordering key in order_by clause '" + clause + "'.");
    }

    /** {@code sqlalchemy_store._get_orderby_clauses_for_search_traces}: span, feedback or expectation. */
    static MlflowException invalidOrderByIdentifierType(String type) {
        return MlflowException.invalid("Invalid identifier type '" + type + "'");
    }

    /**
     * {@code sqlalchemy_store._get_orderby_clauses_for_search_traces}; the list prints as Python's
     * list. (MLflow raises it without an error code, which its server answers with 500;
     * Tracebridge answers 400 INVALID_PARAMETER_VALUE.)
     */
    static MlflowException duplicateOrderBy(List<String> orderBy) {
        return MlflowException.invalid("`order_by` contains duplicate fields: "
                + orderBy.stream().map(MlflowMessages::pyStr).collect(Collectors.joining(", ", "[", "]")));
    }

    // ---- Python formatting

    /** A set of strings as Python's {@code str()} prints it, in the given order. */
    static String pySet(List<String> elements) {
        return elements.stream().map(MlflowMessages::pyStr).collect(Collectors.joining(", ", "{", "}"));
    }

    /** A tuple as Python prints it: elements are strings or {@link NumberLiteral}s. */
    static String pyTuple(List<Object> elements) {
        String inner = elements.stream()
                .map(e -> e instanceof NumberLiteral n ? pyNumber(n.text()) : pyStr(String.valueOf(e)))
                .collect(Collectors.joining(", "));
        return "(" + inner + (elements.size() == 1 ? ",)" : ")");
    }

    /** The forms of a Python int or float literal (with an optional sign, as literal_eval reads it). */
    private static final java.util.regex.Pattern PY_NUMBER =
            java.util.regex.Pattern.compile("[-+]?(\\d+|\\d+\\.\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    /** A number inside a list, kept as written: Python tells int from float by the literal's form. */
    record NumberLiteral(String text) {
    }

    /**
     * A number literal as {@code ast.literal_eval} reads it and Python prints it back; null when
     * Python would not read it (an integer with leading zeros).
     */
    static String pyNumber(String literal) {
        if (!PY_NUMBER.matcher(literal).matches()) {
            return null; // e.g. 1.2.3: the lexer's number token is looser than Python's literal
        }
        boolean isFloat = literal.indexOf('.') >= 0 || literal.indexOf('e') >= 0 || literal.indexOf('E') >= 0;
        if (!isFloat) {
            String digits = literal.startsWith("-") ? literal.substring(1) : literal;
            if (digits.length() > 1 && digits.startsWith("0") && !digits.chars().allMatch(c -> c == '0')) {
                return null;
            }
            return new BigInteger(literal).toString();
        }
        double d = Double.parseDouble(literal);
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return literal.startsWith("-") ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1;
        if (exponent >= -4 && exponent < 16) {
            String plain = shortest.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String ds = shortest.unscaledValue().abs().toString();
        String mantissa = ds.length() == 1 ? ds : ds.charAt(0) + "." + ds.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + String.format("%02d", Math.abs(exponent));
    }

    /** A string as Python's {@code repr()} prints it. */
    static String pyStr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                b.append("\\t");
            } else if (cp == '\n') {
                b.append("\\n");
            } else if (cp == '\r') {
                b.append("\\r");
            } else if (printable(cp)) {
                b.appendCodePoint(cp);
            } else if (cp < 0x100) {
                b.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.append(String.format("\\U%08x", cp));
            }
        }
        return b.append(quote).toString();
    }

    /** Python's {@code str.isprintable} for one code point: not Cc, Cf, Cs, Co, Cn, Zl, Zp, nor Zs other than space. */
    private static boolean printable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
